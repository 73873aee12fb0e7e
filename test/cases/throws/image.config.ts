import { defineImage } from "imgc";

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined) {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
}

export default defineImage({
  name: "hello",
  tags: [requireEnv("IMGC_TEST_UNSET_TAG")],
});
