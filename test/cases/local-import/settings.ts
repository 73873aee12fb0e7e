export const port = 8080;

export const releaseTag = `release ${new Date(0).getUTCFullYear()}`;
