import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, type APIRequestContext, type Browser, type Page } from "@playwright/test";

const root = path.resolve(import.meta.dirname, "..");
/** Same data dir as the webServer in playwright.config.ts. */
export const DEMO_DATA_DIR = process.env.E2E_DEMO_DATA_DIR ?? ".data/e2e";

export const STORAGE_STATE = path.join(DEMO_DATA_DIR, "e2e-auth.json");

/** The demo's admin credentials, written by `npm run demo` into its data folder. */
export function demoAdmin(): { email: string; password: string } {
  return JSON.parse(readFileSync(path.join(DEMO_DATA_DIR, "demo-env.json"), "utf8")).admin;
}

/** The running demo's own settings (its metadata store, keys), as `npm run demo` wrote them. */
export function demoEnv(): Record<string, string> {
  return JSON.parse(readFileSync(path.join(DEMO_DATA_DIR, "demo-env.json"), "utf8")).env as Record<string, string>;
}

/** Creates a dashboard user with the product's own script, in the demo's metadata store. */
export function createUser(email: string, role: string, password: string) {
  execFileSync(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), path.join(root, "scripts", "user-create.ts"), "--email", email, "--role", role, "--password", password], {
    cwd: root,
    // The demo's own settings: the user is created in its metadata store, and the audit event that
    // records it is keyed like every other event of the demo's chain.
    env: { ...process.env, ...demoEnv() },
    stdio: "pipe",
  });
}

/** A browser context signed in as `email` through the real sign-in page, on the overview. */
export async function signedIn(browser: Browser, email: string, password: string) {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  return { context, page };
}

/** Runs a demo migration step against the running demo (scripts/demo-step.ts); returns its JSON result. */
export function demoStep(step: string, ...args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), path.join(root, "scripts", "demo-step.ts"), step, ...args], {
    cwd: root,
    env: { ...process.env, DEMO_DATA_DIR },
    encoding: "utf8",
    timeout: 120_000,
  });
  return JSON.parse(out.trim().split("\n").pop() ?? "{}");
}

const HEADERS = { "content-type": "application/json" };

/** Polls a job until it ends; returns it. */
export async function waitForJob(request: APIRequestContext, jobId: string, timeoutMs = 120_000) {
  let job: { status: string; error: string | null; result: unknown } = { status: "queued", error: null, result: null };
  await expect
    .poll(
      async () => {
        job = await (await request.get(`/migration/jobs/${jobId}`)).json();
        return job.status;
      },
      { timeout: timeoutMs, intervals: [250, 500, 1000] },
    )
    .toMatch(/completed|failed|interrupted/);
  return job;
}

/** Setup through the REST API: a checkpoint of `phase`, backed up; returns its id. */
export async function createCheckpoint(request: APIRequestContext, name: string, phase: string): Promise<string> {
  const res = await request.post("/migration/checkpoint", { headers: HEADERS, data: { name, phase } });
  expect(res.status(), await res.text()).toBe(202);
  const body = (await res.json()) as { checkpoint: { id: string }; jobId: string };
  const job = await waitForJob(request, body.jobId);
  expect(job.status, job.error ?? "").toBe("completed");
  return body.checkpoint.id;
}

export async function validateCheckpoint(request: APIRequestContext, id: string) {
  const res = await request.post(`/migration/checkpoint/${id}/validate`, { headers: HEADERS });
  expect(res.status(), await res.text()).toBe(202);
  return waitForJob(request, ((await res.json()) as { jobId: string }).jobId);
}

export const VIEWPORTS = [
  { name: "laptop", width: 1366, height: 800 },
  { name: "phone", width: 390, height: 844 },
] as const;

/** Full-page screenshots of the current URL at laptop and phone width, into e2e/screenshots/. */
export async function screenshotBoth(page: Page, file: string, options: { fullPage?: boolean } = {}) {
  const original = page.viewportSize();
  for (const vp of VIEWPORTS) {
    await page.setViewportSize({ width: vp.width, height: vp.height });
    await page.waitForTimeout(150);
    await page.screenshot({ path: `e2e/screenshots/${file}-${vp.name}.png`, fullPage: options.fullPage ?? true });
  }
  if (original) await page.setViewportSize(original);
}

/** The page never shows a stack trace or internals. */
export async function expectNoInternals(page: Page) {
  await expect(page.locator("body")).not.toContainText(/\n\s+at \S+ \(|PrismaClient|ECONNREFUSED|TypeError:/);
}
