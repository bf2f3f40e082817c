import { expect, test as setup } from "@playwright/test";
import { demoAdmin, STORAGE_STATE } from "./helpers";

// Signs in once through the real sign-in page; the other tests reuse the session.
setup("sign in as the demo admin", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
  const { email, password } = demoAdmin();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page.getByRole("link", { name: new RegExp(email) })).toBeVisible();
  await page.context().storageState({ path: STORAGE_STATE });
});
