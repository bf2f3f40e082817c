import { describe, expect, it } from "vitest";
import { JobKind as DatabaseJobKind } from "../db/generated/enums";
import { JOB_KIND_DEFINITIONS, JOB_KINDS, MUTATING_JOB_KINDS, RETRIED_JOB_KINDS } from "../domain/job-kinds";
import { QUEUE_NAMES, RESUME_ROLLBACK_QUEUE } from "./queue";

describe("job kinds", () => {
  it("are the database enum's values, no more and no fewer", () => {
    expect([...JOB_KINDS].sort()).toEqual(Object.values(DatabaseJobKind).sort());
  });

  it("each have their own queue, and the workers fetch from every one of them and the resumes'", () => {
    const queues = JOB_KINDS.map((kind) => JOB_KIND_DEFINITIONS[kind].queue);
    expect(new Set(queues).size).toBe(queues.length);
    expect(QUEUE_NAMES.sort()).toEqual([...queues, RESUME_ROLLBACK_QUEUE].sort());
  });

  it("retry after a stopped worker only the kinds that do not change the target beyond their own backup; a rollback resumes", () => {
    expect([...RETRIED_JOB_KINDS].sort()).toEqual(["copy_checkpoint", "create_checkpoint", "validate", "verify"]);
    expect(JOB_KIND_DEFINITIONS.rollback.afterWorkerStopped).toBe("resume");
    expect([...MUTATING_JOB_KINDS].sort()).toEqual(["create_checkpoint", "rollback"]);
  });

  it("parse the payloads their submitters write", () => {
    const id = "00000000-0000-4000-8000-000000000000";
    expect(JOB_KIND_DEFINITIONS.validate.payload.safeParse({ checkpointId: id, runId: id }).success).toBe(true);
    expect(JOB_KIND_DEFINITIONS.rollback.payload.safeParse({ rollbackId: id, resume: true }).success).toBe(true);
    expect(JOB_KIND_DEFINITIONS.verify.payload.safeParse({ rollbackId: id }).success).toBe(false);
  });
});
