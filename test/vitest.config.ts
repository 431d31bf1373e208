// vitest configuration for `npm test`: every test under test/ (unit, fuzz, integration), run from
// the repo root with at most two worker processes (the machine has 2 cores and the integration
// tests start real servers). It must never change what a test asserts.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/helpers/setup.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
