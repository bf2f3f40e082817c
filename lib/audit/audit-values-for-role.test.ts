import { describe, expect, it } from "vitest";
import { summarizeRollback } from "../domain/rollback-report";
import { TEXT_VALUES_WITHHELD } from "../domain/diff-visibility";
import { auditValuesReadBy } from "./audit-values-for-role";

// The events' before/after as the product writes them (lib/rollback/finish-rollback.ts and others).
const PG_RESTORE = `pg_restore failed (exit code 1), target untouched:\npg_restore: error: COPY failed for table "guests": ERROR:  new row for relation "guests" violates check constraint "guests_email_check"\nDETAIL:  Failing row contains (rita@example.com).\nCONTEXT:  COPY guests, line 1: "rita@example.com"`;

function failedRollbackAfter(checkpointName: string) {
  const summary = summarizeRollback({
    checkpointName,
    chosen: ["database"],
    components: [{ component: "database", status: "failed", detail: "pg_restore failed", durationMs: 10 }],
    safetyCheckpointName: `safety before ${checkpointName}`,
    error: PG_RESTORE,
  });
  return { failedComponent: "database", atCheckpoint: summary.atCheckpoint, notAtCheckpoint: summary.notAtCheckpoint, message: summary.message };
}

describe("audit event values per role", () => {
  it("an operator and an admin read a failed rollback's event whole", () => {
    const after = failedRollbackAfter("before import");
    for (const role of ["operator", "admin"]) expect(auditValuesReadBy(role).json(after, ["before import"])).toBe(after);
  });

  it("a viewer (or no role) reads it with the refused row withheld and every name kept", () => {
    const after = failedRollbackAfter("before import");
    for (const role of ["viewer", null, undefined, "system"]) {
      const seen = auditValuesReadBy(role).json(after, ["before import"]) as typeof after;
      expect(JSON.stringify(seen)).not.toContain("rita@example.com");
      expect(seen.message).toContain('Rollback to "before import" failed');
      expect(seen.message).toContain('relation "guests"');
      expect(seen.message).toContain("Failing row contains (…)");
      expect(seen.message).toContain(TEXT_VALUES_WITHHELD);
      expect(seen).toMatchObject({ failedComponent: "database", notAtCheckpoint: ["database"] });
    }
  });

  it("an alert's title and message (the /alerts page, the banner) read the same way", () => {
    const { message } = failedRollbackAfter("before import");
    const viewer = auditValuesReadBy("viewer");
    expect(viewer.text(message, ["before import"])).not.toContain("rita@example.com");
    expect(viewer.text('Rollback to "before import" failed')).toBe('Rollback to "before import" failed');
    expect(auditValuesReadBy("operator").text(message)).toBe(message);
  });

  it("keeps a rollback target's quoted name even when the checkpoint is gone (no known name)", () => {
    const seen = auditValuesReadBy("viewer").json({ title: 'Rollback to "cp 7" failed' }) as { title: string };
    expect(seen.title).toBe('Rollback to "cp 7" failed');
  });

  it("keeps names given in the event's JSON and quoted in its texts", () => {
    const after = { checkpoint: "nightly", phase: "data_migrated", reason: 'validation of "nightly" failed: Key (id)=(42) already exists' };
    const seen = auditValuesReadBy("viewer").json(after) as typeof after;
    expect(seen.checkpoint).toBe("nightly");
    expect(seen.reason).toContain('"nightly"');
    expect(seen.reason).toContain("Key (id)=(…) already exists");
    expect(seen.reason).not.toContain("42");
  });

  it("leaves events without quoted values exactly as stored", () => {
    const events = [
      { email: "o'brien@example.com", name: "Ann \"Ops\" O'Brien", role: "admin", signIn: "password" },
      { components: ["database", "config"], safetyCheckpointId: null, statusChanges: { activated: ["a"], superseded: [] }, message: 'Database and config are at checkpoint "x"; storage left as it was.' },
      { webhookStatus: "failed", webhookAttempts: 8, webhookLastError: "HTTP 500 from the receiver" },
      null,
    ];
    for (const e of events) expect(auditValuesReadBy("viewer").json(e, ["x"])).toEqual(e);
  });
});
