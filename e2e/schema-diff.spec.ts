import { expect, test } from "@playwright/test";
import { createCheckpoint, demoStep, expectNoInternals, screenshotBoth, validateCheckpoint } from "./helpers";

// A schema extraction that loses the projects' updated_at trigger, seen on the checkpoint page:
// the object diff names the trigger with both definitions and the fix, lists what the application
// now enforces, and the drift since the validated initial checkpoint shows the target's new objects.
test.describe.configure({ mode: "serial" });

const stamp = Date.now().toString(36);
const names = { initial: `e2e-schema-initial-${stamp}`, lostTrigger: `e2e-lost-trigger-${stamp}` };

// The other specs find the target as reset_target leaves it.
test.afterAll(() => {
  demoStep("reset_target");
});

test("a trigger lost by the schema extraction fails validation, with both definitions and the fix", async ({ page, request }) => {
  test.setTimeout(90_000);
  demoStep("reset_target");
  const initial = await createCheckpoint(request, names.initial, "initial");
  expect((await validateCheckpoint(request, initial)).status).toBe("completed");

  demoStep("extract_schema", "--fault", "dropTrigger");
  const id = await createCheckpoint(request, names.lostTrigger, "schema_extracted");

  await page.goto(`/checkpoints/${id}`);
  await page.getByRole("button", { name: "Validate", exact: true }).click();
  await expect(page.getByText("Validation finished")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Failed");
  await expect(page.getByRole("alert").filter({ hasText: "This checkpoint failed:" })).toContainText("Failed: schema.");

  const card = page.getByRole("region", { name: "Object diff — source vs target schema" });
  // The run and the schema validator both failed, on exactly one object.
  await expect(card.getByText(/From the validation run/)).toContainText(/Failed.*schema\s*Failed/);
  await expect(card.getByTestId("schema-diff-summary")).toHaveText(/^1 failure · \d+ moved to the application/);

  const failures = card.locator('[data-verdict="failure"]');
  await expect(failures.getByRole("heading", { name: /^Triggers \(1\)$/ })).toBeVisible();
  const trigger = failures.getByRole("article");
  await expect(trigger).toHaveCount(1);
  await expect(trigger).toHaveAttribute("aria-label", "trigger projects_set_updated_at on public.projects");
  await expect(trigger).toHaveAttribute("data-identity", /ON public\.projects .*EXECUTE FUNCTION set_updated_at\(\)$/);
  await expect(trigger.getByText("Missing in the target", { exact: true })).toBeVisible();
  await expect(trigger.getByText("Failure", { exact: true })).toBeVisible();
  await expect(trigger.getByText("trigger projects_set_updated_at is missing in the target", { exact: true })).toBeVisible();
  // Source and target side by side: the source's definition, nothing in the target.
  await expect(trigger.getByText("Source", { exact: true })).toBeVisible();
  await expect(trigger.locator("pre").first()).toHaveText(/^CREATE TRIGGER BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION set_updated_at\(\)$/);
  await expect(trigger.getByText("Target", { exact: true })).toBeVisible();
  await expect(trigger.getByText("not in the target", { exact: true })).toBeVisible();
  await expect(trigger.getByTestId("schema-fix")).toHaveText(
    "CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON public.projects FOR EACH ROW EXECUTE FUNCTION set_updated_at();",
  );

  // The demo's mapping moves RLS and the policies to the application: listed, with the policies' text, not failures.
  const duties = card.getByRole("region", { name: "What the application must now enforce" });
  await expect(duties).toBeVisible();
  const policies = duties.locator('details[data-kind="policy"]');
  await expect(policies.locator("summary")).toHaveText(/^Policies \(\d+\)$/);
  await expect(policies).toHaveAttribute("open", "");
  await expect(policies).toContainText("Owners manage their projects");
  await expect(policies).toContainText("auth.uid()");
  await expect(duties.locator('details[data-kind="rls"] summary')).toHaveText(/^Row level security settings \(\d+\)$/);
  await expect(failures.locator('[data-kind="policy"], [data-kind="rls"]')).toHaveCount(0);

  // Drift since the validated initial checkpoint: the source did not change, the target gained the extracted schema.
  const drift = page.getByRole("region", { name: /^Schema drift/ });
  await expect(drift.getByRole("link", { name: names.initial })).toBeVisible();
  await expect(drift.getByRole("region", { name: "source schema drift" })).toContainText("No change");
  const target = drift.getByRole("region", { name: "target schema drift" });
  await expect(target).toContainText(/Changed.*objects? changed in the target schema: \d+ added/s);
  await expect(target.locator('tr[data-kind="table"]')).toBeVisible();

  await expectNoInternals(page);
  await screenshotBoth(page, "schema-diff");
});
