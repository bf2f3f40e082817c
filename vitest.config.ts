import { defineConfig } from "vitest/config";
import path from "node:path";

// Two projects, both run by `npx vitest run` (and `npm test`):
// - "unit": pure tests, no PostgreSQL and no server, so no global setup: every test under lib/domain
//   and lib/ui (rules and view logic, which do no I/O by the layer rule) and every file named
//   *.unit.test.ts. One of them reaching for the database fails at once (test/pg.ts adminUrl).
// - "integration": every other test, against the real PostgreSQL the global setup provides.
const UNIT_TESTS = ["lib/domain/**/*.test.ts", "lib/ui/**/*.test.ts", "**/*.unit.test.ts"];
const ALL_TESTS = ["lib/**/*.test.ts", "demo/**/*.test.ts", "scripts/**/*.test.ts", "app/**/*.test.ts", "test/**/*.test.ts", "faults/summary.test.ts", "packages/*/src/**/*.test.ts"];

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests share one PostgreSQL server but each uses its own databases.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      { extends: true, test: { name: "unit", include: UNIT_TESTS, exclude: ["**/node_modules/**", "**/.data/**"] } },
      {
        extends: true,
        test: { name: "integration", include: ALL_TESTS, exclude: ["**/node_modules/**", "**/.data/**", ...UNIT_TESTS], globalSetup: ["./test/global-setup.ts"] },
      },
    ],
  },
});
