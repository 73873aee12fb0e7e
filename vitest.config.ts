import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // End-to-end tests start servers and containers; two at a time fits a 2-core machine.
    maxWorkers: 2,
  },
});
