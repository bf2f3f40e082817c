import { defineConfig } from "vitest/config";
import path from "node:path";

// `npm run test:faults`: fault injection with real processes, real PostgreSQL and real files.
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["faults/**/*.faults.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
