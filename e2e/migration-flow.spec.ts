import { expect, test } from "@playwright/test";
import { createCheckpoint, demoAdmin, demoStep, expectNoInternals, screenshotBoth, validateCheckpoint, waitForJob } from "./helpers";

// One migration walked through in order; each test builds on the previous one's state.
test.describe.configure({ mode: "serial" });

const stamp = Date.now().toString(36);
const names = { initial: `e2e-initial-${stamp}`, schema: `e2e-schema-${stamp}`, data: `e2e-data-${stamp}` };
const ids: Partial<Record<keyof typeof names, string>> = {};
let altered: { table: string; column: string; key: string } | undefined;

test("create a checkpoint from the overview, validate it and see it on the timeline", async ({ page, request }) => {
  demoStep("reset_target");
  await page.goto("/");
  const open = page.getByRole("button", { name: "Create checkpoint" });
  const dialog = page.getByRole("dialog", { name: "Create checkpoint" });

  // Keyboard: Enter opens, focus stays inside while tabbing, Escape closes and focus returns.
  await open.focus();
  await page.keyboard.press("Enter");
  await expect(dialog).toBeVisible();
  for (let i = 0; i < 8; i += 1) {
    await page.keyboard.press("Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(open).toBeFocused();

  await open.click();
  await expect(dialog).toBeVisible();

  // A phase behind a closed gate says why and cannot be submitted.
  await dialog.getByLabel("Phase").selectOption("files_migrated");
  await expect(dialog.getByText("Gate closed:")).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Create checkpoint" })).toBeDisabled();
  await screenshotBoth(page, "create-dialog", { fullPage: false });

  await dialog.getByLabel("Phase").selectOption("initial");
  await expect(dialog.getByText("Gate closed:")).toBeHidden();
  await dialog.getByLabel("Name").fill(names.initial);
  await dialog.getByLabel("Description (optional)").fill("taken by the e2e test");
  const created = page.waitForResponse((r) => r.url().endsWith("/migration/checkpoint") && r.request().method() === "POST");
  await dialog.getByRole("button", { name: "Create checkpoint" }).click();
  const body = (await (await created).json()) as { checkpoint: { id: string }; jobId: string };
  await expect(dialog).toBeHidden();
  ids.initial = body.checkpoint.id;
  expect((await waitForJob(request, body.jobId)).status).toBe("completed");

  // Validate through the checkpoint page; progress shows, then the page refreshes with the result.
  await page.goto(`/checkpoints/${ids.initial}`);
  await page.getByRole("button", { name: "Validate", exact: true }).click();
  await expect(page.getByText("Validation finished")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Active");

  await page.goto("/");
  const initialCard = page.locator('[data-phase="initial"]');
  await expect(initialCard.getByRole("link", { name: names.initial })).toBeVisible();
  await expect(initialCard).toHaveAttribute("data-state", "done");
});

test("an injected fault shows the exact differing row in the integrity diff", async ({ page, request }) => {
  test.setTimeout(180_000);
  demoStep("extract_schema");
  ids.schema = await createCheckpoint(request, names.schema, "schema_extracted");
  expect((await validateCheckpoint(request, ids.schema)).status).toBe("completed");

  const step = demoStep("migrate_data", "--fault", "alterValue:tasks.title");
  altered = (step.details as { altered: { table: string; column: string; key: string } }).altered;
  expect(altered).toMatchObject({ table: "tasks", column: "title" });
  ids.data = await createCheckpoint(request, names.data, "data_migrated");

  await page.goto(`/checkpoints/${ids.data}`);
  await page.getByRole("button", { name: "Validate", exact: true }).click();
  await expect(page.getByText("Validation finished")).toBeVisible({ timeout: 90_000 });

  const diff = page.getByRole("article", { name: "Differences in public.tasks" });
  await expect(diff).toBeVisible();
  await expect(diff.getByText("Content differs")).toBeVisible();
  const row = diff.locator(`tr[data-row-key="id=${altered!.key}"]`);
  await expect(row).toHaveCount(1);
  await expect(row.locator("td").nth(1)).toHaveText("title");
  const source = (await row.locator("td").nth(2).innerText()).trim();
  const target = (await row.locator("td").nth(3).innerText()).trim();
  expect(target).toBe(`${source} (altered)`);
  await expect(page.getByTestId("diff-summary")).toHaveText(/1 of \d+ tables differ/);
  await expectNoInternals(page);
  await screenshotBoth(page, "checkpoint-diff");
});

test("roll back through the confirmation dialog and see the target restored", async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(`/checkpoints/${ids.schema}`);
  await page.getByRole("button", { name: "Roll back…" }).click();
  const dialog = page.getByRole("dialog", { name: /Roll back to/ });
  await expect(dialog).toBeVisible();

  // The preview names what changes: the tasks table has rows now, none at the checkpoint.
  const database = dialog.locator('[data-component="database"]');
  await expect(database.getByText("Will change", { exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(database.getByRole("cell", { name: "public.tasks" })).toBeVisible();

  // A partial choice updates the preview; back to the full rollback.
  await dialog.getByRole("checkbox", { name: /Config/ }).uncheck();
  await expect(dialog.locator('[data-component="config"]')).toHaveCount(0);
  await expect(dialog.getByText("Partial rollback")).toBeVisible();
  await dialog.getByRole("checkbox", { name: /Config/ }).check();
  await expect(dialog.locator('[data-component="config"]')).toBeVisible({ timeout: 60_000 });

  const confirm = dialog.getByRole("button", { name: "Roll back everything" });
  const typed = dialog.getByLabel(/Type the checkpoint name/);
  await expect(confirm).toBeDisabled();
  await typed.fill(names.schema.toUpperCase());
  await expect(confirm).toBeDisabled();
  await typed.fill(names.schema.slice(0, -1));
  await expect(confirm).toBeDisabled();
  await screenshotBoth(page, "rollback-dialog", { fullPage: false });
  await typed.fill(names.schema);
  await expect(confirm).toBeEnabled();
  await confirm.click();

  const result = dialog.locator("[data-rollback-result]");
  await expect(result).toBeVisible({ timeout: 120_000 });
  await expect(result).toHaveAttribute("data-rollback-result", "ok");
  await screenshotBoth(page, "rollback-result", { fullPage: false });
  for (const component of ["Database", "Storage", "Config"]) {
    await expect(result.getByRole("row", { name: new RegExp(component) }).getByText("Restored", { exact: true })).toBeVisible();
  }
  await dialog.getByRole("button", { name: "Close" }).last().click();
  await expect(dialog).toBeHidden();

  // The target now equals the checkpoint: a new preview finds nothing to change.
  await page.getByRole("button", { name: "Roll back…" }).click();
  for (const component of ["database", "storage", "config"]) {
    await expect(dialog.locator(`[data-component="${component}"]`).getByText("No change", { exact: true })).toBeVisible({ timeout: 60_000 });
  }
  // Escape closes the dialog.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
});

test("an audit event's permalink opens in a fresh browser context", async ({ page, browser }) => {
  await page.goto(`/audit?checkpoint=${ids.schema}`);
  await expect(page.getByRole("heading", { level: 1, name: "Audit trail" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Audit chain intact" })).toBeVisible();
  const first = page.getByRole("table").getByRole("link").first();
  const action = (await first.innerText()).trim();
  await first.click();
  await expect(page).toHaveURL(/\/audit\/[0-9a-f-]{36}$/);
  const permalink = page.url();

  // A colleague opening the shared link signs in first and lands on the event.
  // No cookies: Playwright would otherwise give the new context the signed-in storage state.
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const fresh = await context.newPage();
  await fresh.goto(permalink);
  await expect(fresh).toHaveURL(/\/signin/);
  await fresh.getByLabel("Email").fill(demoAdmin().email);
  await fresh.getByLabel("Password").fill(demoAdmin().password);
  await fresh.getByRole("button", { name: /sign in/i }).click();
  await expect(fresh).toHaveURL(permalink);
  await expect(fresh.getByRole("heading", { level: 1 })).toContainText(action);
  await expect(fresh.getByRole("link", { name: names.schema })).toBeVisible();
  await expect(fresh.getByText("Matches the event's content")).toBeVisible();
  await expect(fresh.getByText("Links to the previous event")).toBeVisible();
  await expect(fresh.getByRole("link", { name: /previous/ })).toBeVisible();
  await context.close();

  // Filters and exports carry the same query.
  await page.goto(`/audit?checkpoint=${ids.schema}`);
  const csv = await page.request.get(`/audit/export/csv?checkpoint=${ids.schema}`);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const lines = (await csv.text()).trim().split("\r\n");
  expect(lines[0]).toMatch(/^seq,id,at,actor/);
  expect(lines.length).toBeGreaterThan(2);
  const json = (await (await page.request.get(`/audit/export/json?checkpoint=${ids.schema}`)).json()) as { checkpointId: string }[];
  expect(json.length).toBe(lines.length - 1);
  expect(json.every((e) => e.checkpointId === ids.schema)).toBe(true);
});

test("compare two checkpoints and take screenshots of every page", async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto("/compare");
  await page.getByLabel("Checkpoint A (before)").selectOption(ids.schema!);
  await page.getByLabel("Checkpoint B (after)").selectOption(ids.data!);
  await page.getByRole("button", { name: "Compare" }).click();
  await expect(page).toHaveURL(new RegExp(`/compare\\?a=${ids.schema}&b=${ids.data}`));
  const tables = page.getByRole("region", { name: /Tables/ });
  await expect(tables.getByRole("row", { name: /public\.tasks/ }).getByText("Changed")).toBeVisible();
  await expect(page.getByRole("region", { name: "Config files" })).toBeVisible();
  await expectNoInternals(page);
  await screenshotBoth(page, "compare");

  // Verify re-reads every backup file and reports per component.
  await page.goto(`/checkpoints/${ids.schema}`);
  await page.getByRole("button", { name: "Verify backups" }).click();
  const report = page.locator("[data-verify]");
  await expect(report).toHaveAttribute("data-verify", "ok", { timeout: 60_000 });
  await expect(report).toContainText("Every backup file matches its manifest.");
  await expect(report).toContainText(/Database:\s*all \d+ file\(s\) intact/);

  for (const [path, file] of [
    ["/", "overview"],
    ["/checkpoints", "checkpoints"],
    [`/checkpoints/${ids.schema}`, "checkpoint"],
    ["/audit", "audit"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectNoInternals(page);
    await screenshotBoth(page, file);
  }
  await page.getByRole("table").getByRole("link").first().click();
  await expect(page.getByRole("heading", { name: "Hash chain" })).toBeVisible();
  await screenshotBoth(page, "audit-event");
});
