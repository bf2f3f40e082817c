import { describe, expect, it } from "vitest";
import { EXIT, describeFailure } from "./cli";
import { MigrationApiError, MigrationConnectionError, MigrationJobError, MigrationTimeoutError } from "./errors";
import type { Job } from "./types";

const job = (status: Job["status"], result: unknown = null): Job =>
  ({ id: "00000000-0000-4000-8000-000000000001", kind: "rollback", status, result, error: status === "completed" ? null : "it stopped" }) as Job;

describe("the CLI's exit code for an error", () => {
  it.each([
    [new MigrationApiError(422, "gate_closed", "gated"), EXIT.gateClosed],
    [new MigrationApiError(400, "validation_error", "bad phase"), EXIT.usage],
    [new MigrationApiError(401, "unauthenticated", "no token"), EXIT.inconclusive],
    [new MigrationApiError(403, "forbidden", "role"), EXIT.inconclusive],
    [new MigrationApiError(429, "rate_limited", "slow down"), EXIT.inconclusive],
    [new MigrationApiError(500, "internal", "logged"), EXIT.inconclusive],
    [new MigrationApiError(404, "not_found", "no such checkpoint"), EXIT.failed],
    [new MigrationApiError(409, "locked", "busy"), EXIT.failed],
    [new MigrationApiError(422, "unprocessable", "name mismatch"), EXIT.failed],
    [new MigrationJobError(job("failed", { code: "backup_failed", message: "disk full" })), EXIT.failed],
    [new MigrationJobError(job("interrupted")), EXIT.inconclusive],
    [new MigrationConnectionError("refused"), EXIT.inconclusive],
    [new MigrationTimeoutError("00000000-0000-4000-8000-000000000001", 1000), EXIT.inconclusive],
  ])("%s → %i", (error, exit) => {
    expect(describeFailure(error).exit).toBe(exit);
  });

  it("keeps the code of a job's refusal", () => {
    expect(describeFailure(new MigrationJobError(job("failed", { code: "backup_failed", message: "disk full" })))).toMatchObject({ code: "backup_failed", message: "it stopped" });
  });
});
