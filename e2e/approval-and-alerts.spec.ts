import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { createCheckpoint, createUser, DEMO_DATA_DIR, demoAdmin, demoEnv, expectNoInternals, screenshotBoth, signedIn } from "./helpers";

// The two-person rule in the dashboard, and the alerts page. Needs a demo started with
// ROLLBACK_APPROVAL=two-person (the demo passes its own environment to the dashboard), e.g.
//   ROLLBACK_APPROVAL=two-person ALERT_WEBHOOK_URL=http://127.0.0.1:9/hook E2E_PORT=3317 E2E_DEMO_DATA_DIR=.data/e2e-approval npx playwright test e2e/approval-and-alerts.spec.ts
const root = path.resolve(import.meta.dirname, "..");
const stamp = Date.now().toString(36);

test.describe("two-person rule and alerts", () => {
  test.skip(process.env.ROLLBACK_APPROVAL !== "two-person", "skipped: needs a demo started with ROLLBACK_APPROVAL=two-person (see the comment at the top)");
  test.setTimeout(240_000);

  // A rollback the rule holds back is one to a late phase, which the gates open only after every phase
  // before it validated: the demo migration walks all seven first, as a migration's own script would.
  test.beforeAll(() => {
    test.setTimeout(600_000);
    execFileSync(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), path.join(root, "demo", "migration-script.ts")], {
      cwd: root,
      env: { ...process.env, DEMO_DATA_DIR, MIGRATION_CHECKPOINTS_URL: `http://127.0.0.1:${process.env.E2E_PORT ?? 3311}` },
      stdio: "pipe",
      timeout: 540_000,
    });
  });

  test("admin A asks for a rollback of a late-phase checkpoint, admin B approves it on the page, the audit trail records both", async ({ page, request, browser }) => {
    const name = `ready-${stamp}`;
    const id = await createCheckpoint(request, name, "production_ready");

    // Admin A (the demo admin, signed in moments ago) asks from the checkpoint page.
    await page.goto(`/checkpoints/${id}`);
    await page.getByRole("button", { name: "Roll back…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/Type the checkpoint name/).fill(name);
    await dialog.getByRole("button", { name: /^Roll back/ }).click();
    await expect(dialog.getByRole("status")).toContainText("Waiting for a second admin");
    await expectNoInternals(page);
    await dialog.getByRole("status").getByRole("button", { name: "Close" }).click();
    // The page shows the request to everyone; the requester may only withdraw it.
    const pending = page.getByRole("region", { name: "Rollbacks waiting for approval" });
    await expect(pending).toContainText(demoAdmin().email);
    await expect(pending.getByRole("button", { name: "Approve rollback" })).toHaveCount(0);
    await expect(pending.getByRole("button", { name: "Withdraw request" })).toBeVisible();

    // Admin B, with a fresh sign-in, sees the same request with Approve and Refuse.
    const emailB = `second-admin-${stamp}@example.com`;
    createUser(emailB, "admin", "second-admin-password-1");
    const b = await signedIn(browser, emailB, "second-admin-password-1");
    await b.page.goto(`/checkpoints/${id}`);
    const pendingForB = b.page.getByRole("region", { name: "Rollbacks waiting for approval" });
    await expect(pendingForB.getByRole("button", { name: "Refuse" })).toBeVisible();
    await screenshotBoth(b.page, "checkpoint-pending-approval");
    await pendingForB.getByRole("button", { name: "Approve rollback" }).click();
    await expect(b.page.getByText(/Approved: the rollback requested by .* is running/)).toBeVisible();

    // The rollback runs and finishes: the approval leaves the page, the checkpoint is the active one again.
    await expect
      .poll(async () => ((await (await request.get(`/migration/audit?checkpointId=${id}&action=rollback.completed`)).json()) as { total: number }).total, {
        timeout: 180_000,
        intervals: [1000, 2000],
      })
      .toBe(1);
    await b.page.reload();
    await expect(b.page.getByRole("region", { name: "Rollbacks waiting for approval" })).toHaveCount(0);

    // The audit trail: requested by A, approved by B, then the rollback itself.
    await b.page.goto(`/audit?checkpointId=${id}`);
    const trail = b.page.locator("main");
    await expect(trail).toContainText("Rollback approval requested");
    await expect(trail).toContainText("Rollback approved");
    await expect(trail).toContainText(emailB);
    const events = (await (await request.get(`/migration/audit?checkpointId=${id}&limit=50`)).json()) as { items: { action: string; actor: string }[] };
    expect(events.items.find((e) => e.action === "rollback.approval_requested")?.actor).toBe(demoAdmin().email);
    expect(events.items.find((e) => e.action === "rollback.approved")?.actor).toBe(emailB);
    await b.context.close();
  });

  test("a failed webhook delivery shows on /alerts; retry and acknowledge work and are audited", async ({ page, request }) => {
    // An alert whose delivery gave up (8 attempts over about 40 minutes), as the delivery leaves it.
    const title = `Backup verification failed ${stamp}`;
    const db = new pg.Client({ connectionString: demoEnv().DATABASE_URL });
    await db.connect();
    let alertId: string;
    try {
      const r = await db.query<{ id: string }>(
        `INSERT INTO alerts (id, kind, severity, title, message, webhook_status, webhook_attempts, webhook_next_attempt_at, webhook_last_error)
         VALUES (gen_random_uuid(), 'backup_verification_failed', 'critical', $1, 'A blob of the database backup is missing.', 'failed', 8, NULL, 'connect ECONNREFUSED 127.0.0.1:9')
         RETURNING id`,
        [title],
      );
      alertId = r.rows[0]!.id;
    } finally {
      await db.end();
    }

    await page.goto("/alerts");
    const row = page.locator(`tr[data-alert-id="${alertId}"]`);
    await expect(row).toContainText(title);
    await expect(row).toContainText("not delivered");
    await expect(row).toContainText("after 8 attempts");
    await screenshotBoth(page, "alerts");

    await row.getByRole("button", { name: "Retry delivery" }).click();
    // Queued again from its first attempt: no longer "not delivered".
    await expect(row.getByRole("button", { name: "Retry delivery" })).toHaveCount(0);
    await expect(row).toContainText(/pending|retrying|sent/);

    await row.getByRole("button", { name: "Acknowledge" }).click();
    await expect(row).toContainText(demoAdmin().email);
    await expect(row.getByRole("button", { name: "Acknowledge" })).toHaveCount(0);

    const audit = async (action: string) =>
      ((await (await request.get(`/migration/audit?action=${action}&limit=50`)).json()) as { items: { targetId: string | null; actor: string }[] }).items.filter((e) => e.targetId === alertId);
    expect(await audit("alert.retry_delivery")).toHaveLength(1);
    expect((await audit("alert.acknowledge"))[0]?.actor).toBe(demoAdmin().email);
  });
});
