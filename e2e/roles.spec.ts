import { expect, test } from "@playwright/test";
import { createUser, signedIn } from "./helpers";

// Each role against pages and endpoints, signed in through the real sign-in page.
const stamp = Date.now().toString(36);
const NIL = "00000000-0000-4000-8000-000000000000";

test("nobody signed in: pages send to the sign-in page, the API answers 401", async ({ browser }) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  for (const p of ["/", "/checkpoints", "/audit", "/compare"]) {
    await page.goto(p);
    await expect(page).toHaveURL(/\/signin/);
  }
  expect((await page.request.get("/migration/checkpoints")).status()).toBe(401);
  expect((await page.request.get("/audit/export/json")).status()).toBe(401);

  // A shared link to a filtered view comes back to that view, filters and all, after signing in.
  const email = `linked-${stamp}@example.com`;
  createUser(email, "viewer", "linked-password-1");
  await page.goto("/audit?actor=nobody-in-particular&page=1");
  await expect(page).toHaveURL(/\/signin/);
  expect(new URL(page.url()).searchParams.get("callbackUrl")).toBe("/audit?actor=nobody-in-particular&page=1");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("linked-password-1");
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page).toHaveURL(/\/audit\?actor=nobody-in-particular&page=1$/);
  await expect(page.getByRole("heading", { level: 1, name: "Audit trail" })).toBeVisible();
  await context.close();
});

test("a viewer reads every page but may not change anything", async ({ browser }) => {
  const email = `viewer-${stamp}@example.com`;
  createUser(email, "viewer", "viewer-password-1");
  const { context, page } = await signedIn(browser, email, "viewer-password-1");
  for (const p of ["/checkpoints", "/audit", "/compare"]) {
    await page.goto(p);
    await expect(page).not.toHaveURL(/\/signin/);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  }
  await page.goto("/admin/users");
  await expect(page.getByRole("alert").filter({ hasText: "Not allowed" })).toBeVisible();
  expect((await page.request.get("/migration/checkpoints")).status()).toBe(200);
  const create = await page.request.post("/migration/checkpoint", { data: { name: `viewer-${stamp}`, phase: "initial" } });
  expect(create.status()).toBe(403);
  expect((await create.json()).error.code).toBe("forbidden");
  await context.close();
});

test("an operator may verify but not roll back or delete", async ({ browser }) => {
  const email = `operator-${stamp}@example.com`;
  createUser(email, "operator", "operator-password-1");
  const { context, page } = await signedIn(browser, email, "operator-password-1");
  // Allowed (the checkpoint does not exist: 404, not 403).
  expect((await page.request.post(`/migration/checkpoint/${NIL}/verify`)).status()).toBe(404);
  expect((await page.request.post(`/migration/checkpoint/${NIL}/rollback`)).status()).toBe(403);
  expect((await page.request.delete(`/migration/checkpoint/${NIL}`)).status()).toBe(403);
  await page.goto("/admin/tokens");
  await expect(page.getByRole("alert").filter({ hasText: "Not allowed" })).toBeVisible();
  await context.close();
});
