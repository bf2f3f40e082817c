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

const VIEWPORTS = [
  { name: "laptop", width: 1366, height: 800 },
  { name: "phone", width: 390, height: 844 },
] as const;

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

  test("checkpoint filters live in the URL", async ({ page }) => {
    await page.goto("/checkpoints");
    await page.getByLabel("Phase").selectOption("initial");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/\/checkpoints\?phase=initial$/);
    await expect(page.getByLabel("Phase")).toHaveValue("initial");
  });

  test("an unknown checkpoint shows a not-found page without internals", async ({ page }) => {
    await page.goto("/checkpoints/00000000-0000-4000-8000-000000000000");
    await expect(page.getByRole("heading", { name: "Checkpoint not found" })).toBeVisible();
    await page.goto("/checkpoints/not-a-uuid");
    await expect(page.getByRole("heading", { name: "Checkpoint not found" })).toBeVisible();
    await expect(page.locator("body")).not.toContainText(/at \w+ \(|Prisma|stack/i);
  });

  for (const vp of VIEWPORTS) {
    test(`screenshots at ${vp.name} width`, async ({ page }) => {
      await page.setViewportSize({ width: vp.width, height: vp.height });
      for (const [path, file] of [
        ["/", "overview"],
        ["/checkpoints", "checkpoints"],
        ["/audit", "audit"],
      ] as const) {
        await page.goto(path);
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
        await page.screenshot({ path: `e2e/screenshots/${file}-${vp.name}.png`, fullPage: true });
      }
      // The first checkpoint's page, when there is one.
      await page.goto("/checkpoints");
      const first = page.getByRole("table").getByRole("link").first();
      if (await first.count()) {
        await first.click();
        await expect(page.getByRole("heading", { name: "Backups" })).toBeVisible();
        await page.screenshot({ path: `e2e/screenshots/checkpoint-${vp.name}.png`, fullPage: true });
      }
    });
  }
});
