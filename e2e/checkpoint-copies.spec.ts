import { expect, test } from "@playwright/test";
import { createCheckpoint, expectNoInternals, VIEWPORTS } from "./helpers";

// The checkpoint page's "Copies": the demo keeps copies in a second folder (scripts/demo.ts). An admin
// copies a checkpoint there after confirming; the copy's state appears when its job ends.
test("a checkpoint is copied to the copy store from its page, after a confirmation, and the copy is shown verified", async ({ page, request }) => {
  const id = await createCheckpoint(request, `copy-e2e-${Date.now()}`, "initial");
  await page.goto(`/checkpoints/${id}`);
  const copies = page.getByRole("region", { name: /^Copies/ });
  await expect(copies).toContainText("No copy of this checkpoint yet.");
  await expect(copies).toContainText("Copy store:");

  await copies.getByRole("button", { name: "Copy to the copy store" }).click();
  const dialog = page.getByRole("dialog", { name: "Copy this checkpoint to the copy store?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Copy", exact: true }).click();

  const done = copies.locator('[data-copy-status="complete"]');
  await expect(done).toHaveCount(1, { timeout: 60_000 });
  await expect(done).toContainText("Copied and verified");
  await expect(done).toContainText(/\d+ blob\(s\) sent \(.+\); every blob read back and verified/);
  await expect(page.getByRole("heading", { name: "Copies (1)" })).toBeVisible();
  await expect(copies.getByRole("button", { name: "Restore from the copy" })).toBeVisible();
  await expectNoInternals(page);

  for (const vp of VIEWPORTS) {
    await page.setViewportSize({ width: vp.width, height: vp.height });
    await page.waitForTimeout(150);
    await copies.screenshot({ path: `e2e/screenshots/checkpoint-copies-${vp.name}.png` });
  }
});
