export const ports = { web: 8080, metrics: 9090 };
