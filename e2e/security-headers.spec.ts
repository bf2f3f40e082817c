import { expect, test } from "@playwright/test";

// The dashboard under its Content-Security-Policy: pages render, hydrate (client-side navigation
// keeps the page's JavaScript state) and report no CSP violation.
test("the dashboard renders and hydrates under its security headers, with no CSP violation", async ({ page }) => {
  await page.addInitScript(() => {
    (window as unknown as { cspViolations: string[] }).cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { cspViolations: string[] }).cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const response = await page.goto("/");
  const headers = response!.headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-frame-options"]).toBe("DENY");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();

  // A marker survives only a client-side navigation: the router hydrated and runs.
  await page.evaluate(() => ((window as unknown as { hydrationMarker: number }).hydrationMarker = 42));
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit trail" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { hydrationMarker?: number }).hydrationMarker)).toBe(42);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Checkpoints" }).click();
  await expect(page).toHaveURL(/\/checkpoints$/);
  expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
});

