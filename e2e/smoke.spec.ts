import { expect, test, type Page } from "@playwright/test";

const PHASE_NAMES = [
  "Initial",
  "Schema extracted",
  "Data migrated",
  "Users migrated",
  "Files migrated",
  "Validation complete",
  "Production ready",
];

async function expectAllPhases(page: Page) {
  const timeline = page.getByRole("list", { name: "Migration phases" });
  await expect(timeline.getByRole("listitem")).toHaveCount(PHASE_NAMES.length);
  for (const name of PHASE_NAMES) {
    await expect(timeline.getByRole("heading", { name, exact: true })).toBeVisible();
  }
}

test.describe("dashboard smoke", () => {
  test("overview shows the title, all seven phases and the next step", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    await expect(page).toHaveTitle("Migration Checkpoints");
    await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
    await expectAllPhases(page);
    // Either a next step or "migration complete" is always shown.
    await expect(page.getByRole("heading", { name: /Next allowed step|Migration complete/ })).toBeVisible();
  });

  test("the main navigation reaches every section and marks the current one", async ({ page }) => {
    await page.goto("/");
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Overview" })).toHaveAttribute("aria-current", "page");

    await nav.getByRole("link", { name: "Checkpoints" }).click();
    await expect(page).toHaveURL(/\/checkpoints$/);
    await expect(page.getByRole("heading", { level: 1, name: "Checkpoints" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Checkpoints" })).toHaveAttribute("aria-current", "page");

    await nav.getByRole("link", { name: "Audit trail" }).click();
    await expect(page).toHaveURL(/\/audit$/);
    await expect(page.getByRole("heading", { level: 1, name: "Audit trail" })).toBeVisible();

    await nav.getByRole("link", { name: "Overview" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expectAllPhases(page);
  });

  test("checkpoint filters, search, sort and paging live in the URL and survive a reload", async ({ page }) => {
    await page.goto("/checkpoints");
    await page.getByLabel("Phase").selectOption("initial");
    await page.getByLabel("Status").selectOption("active");
    await page.getByLabel("Name contains").fill("e2e");
    await page.getByLabel("Sort").selectOption("name");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/\/checkpoints\?q=e2e&phase=initial&status=active&sort=name$/);
    // A shared link opens the same view.
    await page.goto(page.url());
    await expect(page.getByLabel("Phase")).toHaveValue("initial");
    await expect(page.getByLabel("Status")).toHaveValue("active");
    await expect(page.getByLabel("Name contains")).toHaveValue("e2e");
    await expect(page.getByLabel("Sort")).toHaveValue("name");
    const rows = page.getByRole("table").locator("tbody tr");
    for (const row of await rows.all()) await expect(row).toContainText(/e2e/i);
    await page.goto("/checkpoints?page=999");
    await expect(page.getByRole("navigation", { name: "Pages" })).toBeVisible();
  });

  test("an unknown audit event and a bad compare link show clear pages", async ({ page }) => {
    await page.goto("/audit/00000000-0000-4000-8000-000000000000");
    await expect(page.getByRole("heading", { name: "Audit event not found" })).toBeVisible();
    await page.goto("/compare?a=nope&b=also-nope");
    await expect(page.getByText("One of these checkpoints does not exist")).toBeVisible();
    await expect(page.locator("body")).not.toContainText(/at \w+ \(|Prisma|stack/i);
  });

  test("an unknown checkpoint shows a not-found page without internals", async ({ page }) => {
    await page.goto("/checkpoints/00000000-0000-4000-8000-000000000000");
    await expect(page.getByRole("heading", { name: "Checkpoint not found" })).toBeVisible();
    await page.goto("/checkpoints/not-a-uuid");
    await expect(page.getByRole("heading", { name: "Checkpoint not found" })).toBeVisible();
    await expect(page.locator("body")).not.toContainText(/at \w+ \(|Prisma|stack/i);
  });
});
