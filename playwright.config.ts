import { defineConfig, devices } from "@playwright/test";

/** Port of the dashboard under test; `npm run demo` starts it there with its own demo data. */
const PORT = Number(process.env.E2E_PORT ?? 3311);
const BASE_URL = `http://127.0.0.1:${PORT}`;
/** The two-person rule and alerts spec runs against its own demo, configured for them (scripts/test.ts). */
const APPROVAL_DEMO = process.env.ROLLBACK_APPROVAL === "two-person";

export default defineConfig({
  testDir: "./e2e",
  outputDir: APPROVAL_DEMO ? "./test-results/approval" : "./test-results",
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"], ["html", { open: "never" }]] : "list",
  use: {
    baseURL: BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    // Signs in once as the demo admin; every other test starts signed in.
    { name: "setup", testMatch: /auth\.setup\.ts/, use: { launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] } } },
    {
      name: "chromium",
      dependencies: ["setup"],
      testIgnore: APPROVAL_DEMO ? [] : [/approval-and-alerts\.spec\.ts/],
      use: {
        ...devices["Desktop Chrome"],
        storageState: `${process.env.E2E_DEMO_DATA_DIR ?? ".data/e2e"}/e2e-auth.json`,
        // Debian's Chromium: no browser is ever downloaded for the tests.
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
          ],
        },
      },
    },
  ],
  webServer: {
    // Starts embedded Postgres, builds the demo migration and serves the dashboard on PORT.
    command: "npm run demo",
    url: BASE_URL,
    env: { PORT: String(PORT), DEMO_DATA_DIR: process.env.E2E_DEMO_DATA_DIR ?? ".data/e2e" },
    // The first run initialises Postgres and the demo data and builds the dashboard: allow it time.
    timeout: 600_000,
    reuseExistingServer: !process.env.CI,
    stdout: "pipe",
    stderr: "pipe",
  },
});
