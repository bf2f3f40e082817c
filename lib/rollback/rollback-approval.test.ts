import { beforeAll, describe, expect, it } from "vitest";
import { startTestDemo, type TestDemo } from "../../test/demo-fixture";
import { createCheckpoint, submitCreateCheckpoint } from "../checkpoints/create-checkpoint";
import { deleteCheckpoint } from "../checkpoints/delete-checkpoint";
import type { AppContext } from "../context";
import type { Actor } from "../domain/actor";
import { rollbackNeedsApproval, refuseSelfApproval } from "../domain/rollback-approval-rule";
import { SYSTEM_ACTOR } from "../domain/actor";
import { approveRollback, refuseRollback } from "./decide-rollback-approval";
import { requestRollback, runRollbackJob, submitRollback } from "./rollback-to-checkpoint";

// The typed-name confirmation and the two-person rule, as the REST route and the dashboard's actions
// call them (requestRollback, approveRollback, refuseRollback, deleteCheckpoint), with the approved
// rollback run to its end by the job runner the workers use.

const alice: Actor = { name: "alice@example.com", role: "admin", origin: "203.0.113.1", kind: "session" };
const bob: Actor = { name: "bob@example.com", role: "admin", origin: "203.0.113.2", kind: "session" };
const script: Actor = { name: "token:ci", role: "admin", origin: "203.0.113.3", kind: "token", tokenId: "00000000-0000-4000-8000-000000000001" };
let t: TestDemo;
let ctx: AppContext;
let twoPerson: AppContext;
let early: { id: string; name: string };
let late: { id: string; name: string };

async function takeCheckpoint(name: string, phase: "initial" | "production_ready") {
  const { checkpoint } = await createCheckpoint(ctx, { name, phase: "initial" }, alice);
  expect(checkpoint.completedAt).not.toBeNull();
  // Its backup is real; the phase is set as if the migration had reached it (the gate is not under test).
  if (phase !== "initial") await ctx.db.checkpoint.update({ where: { id: checkpoint.id }, data: { phase } });
  return { id: checkpoint.id, name: checkpoint.name };
}

const rollbacksOf = (checkpointId: string) => ctx.db.rollback.count({ where: { checkpointId } });
const jobsOf = (checkpointId: string) => ctx.db.job.count({ where: { checkpointId, kind: "rollback" } });

beforeAll(async () => {
  t = await startTestDemo({ rows: 50, users: 4, files: 2 });
  ctx = t.ctx;
  twoPerson = t.contextWith({ ROLLBACK_APPROVAL: "two-person" });
  early = await takeCheckpoint("Early Checkpoint", "initial");
  late = await takeCheckpoint("go-live", "production_ready");
}, 300_000);

describe("typed checkpoint name", () => {
  it("a session's rollback without the exact name is refused (422) and records nothing; with it, it is queued", async () => {
    for (const confirmName of [undefined, "early checkpoint", "Early Checkpoint ", ""]) {
      await expect(requestRollback(ctx, early.id, { components: ["config"], confirmName }, alice)).rejects.toMatchObject({
        code: "unprocessable",
        status: 422,
        details: { field: "confirmName" },
      });
    }
    await expect(submitRollback(ctx, early.id, { components: ["config"] }, alice)).rejects.toMatchObject({ status: 422 });
    expect(await rollbacksOf(early.id)).toBe(0);
    expect(await jobsOf(early.id)).toBe(0);
    // A token may leave the name out, but a wrong one is still refused.
    await expect(requestRollback(ctx, early.id, { components: ["config"], confirmName: "go-live" }, script)).rejects.toMatchObject({ status: 422 });

    const queued = await requestRollback(ctx, early.id, { components: ["config"], confirmName: "Early Checkpoint" }, alice);
    expect(queued.approval).toBeNull();
    expect(queued.rollback).toMatchObject({ status: "pending", requestedBy: alice.name, components: ["config"] });
    const run = await runRollbackJob(ctx, queued.rollback!.id, queued.job!.id, alice);
    expect(run.rollback.status).toBe("completed");
  }, 120_000);

  it("a session's delete needs the exact name too; a token does not", async () => {
    const spare = await takeCheckpoint("spare", "initial");
    await expect(deleteCheckpoint(ctx, spare.id, alice)).rejects.toMatchObject({ status: 422, details: { field: "confirmName" } });
    await expect(deleteCheckpoint(ctx, spare.id, alice, { confirmName: "Spare" })).rejects.toMatchObject({ status: 422 });
    expect(await ctx.db.checkpoint.findUnique({ where: { id: spare.id } })).not.toBeNull();
    await deleteCheckpoint(ctx, spare.id, alice, { confirmName: "spare" });
    const other = await takeCheckpoint("spare-2", "initial");
    await deleteCheckpoint(ctx, other.id, script);
    expect(await ctx.db.checkpoint.count({ where: { id: { in: [spare.id, other.id] } } })).toBe(0);
  }, 120_000);
});

describe("two-person rule", () => {
  it("is off by default, holds back only the last two phases, and never an automatic rollback", () => {
    expect(rollbackNeedsApproval("off", "production_ready", alice)).toBe(false);
    expect(rollbackNeedsApproval("two-person", "production_ready", alice)).toBe(true);
    expect(rollbackNeedsApproval("two-person", "validation_complete", script)).toBe(true);
    expect(rollbackNeedsApproval("two-person", "files_migrated", alice)).toBe(false);
    expect(rollbackNeedsApproval("two-person", "production_ready", SYSTEM_ACTOR)).toBe(false);
    expect(refuseSelfApproval({ requestedBy: "token:ci", requestedByPerson: "alice@example.com" }, { name: "alice@example.com", person: "alice@example.com" })).toMatch(/second admin/);
    expect(refuseSelfApproval({ requestedBy: "alice@example.com", requestedByPerson: "alice@example.com" }, { name: "bob@example.com", person: "bob@example.com" })).toBeNull();
  });

  it("a rollback to a production_ready checkpoint waits; the requester cannot approve it (not through a token of theirs either); a second admin's approval queues it and it runs", async () => {
    const early2 = await requestRollback(twoPerson, early.id, { components: ["config"], confirmName: early.name }, alice);
    expect(early2.approval).toBeNull();
    await runRollbackJob(twoPerson, early2.rollback!.id, early2.job!.id, alice);

    const before = await rollbacksOf(late.id);
    const { approval, rollback, job } = await requestRollback(twoPerson, late.id, { components: ["config"], confirmName: "go-live" }, alice);
    expect(rollback).toBeNull();
    expect(job).toBeNull();
    expect(approval).toMatchObject({ status: "pending", requestedBy: alice.name, requestedByPerson: alice.name, components: ["config"], rollbackId: null });
    expect(await rollbacksOf(late.id)).toBe(before);
    expect(await jobsOf(late.id)).toBe(0);
    expect(await ctx.db.auditEvent.findFirst({ where: { action: "rollback.approval_requested", targetId: approval!.id } })).toMatchObject({ actor: alice.name, result: "success" });
    // Asking again while one waits, and submitting around the rule, are refused.
    await expect(requestRollback(twoPerson, late.id, { confirmName: "go-live" }, bob)).rejects.toMatchObject({ code: "conflict", details: { approvalId: approval!.id } });
    await expect(submitRollback(twoPerson, late.id, { confirmName: "go-live" }, bob)).rejects.toMatchObject({ code: "conflict" });

    // Alice, and a token Alice created, may not approve.
    await expect(approveRollback(twoPerson, approval!.id, alice)).rejects.toMatchObject({ code: "forbidden", status: 403 });
    const token = await ctx.db.apiToken.create({ data: { name: "alice-ci", role: "admin", tokenHash: "f".repeat(64), prefix: "mct_alic", createdBy: alice.name } });
    await expect(approveRollback(twoPerson, approval!.id, { name: "token:alice-ci", role: "admin", kind: "token", tokenId: token.id })).rejects.toMatchObject({ status: 403 });
    expect(await jobsOf(late.id)).toBe(0);

    const approved = await approveRollback(twoPerson, approval!.id, bob);
    expect(approved.approval).toMatchObject({ status: "approved", decidedBy: bob.name, rollbackId: approved.rollback.id });
    expect(approved.rollback).toMatchObject({ status: "pending", requestedBy: alice.name, components: ["config"] });
    expect(approved.job).toMatchObject({ kind: "rollback", status: "queued", requestedBy: alice.name });
    const events = await ctx.db.auditEvent.findMany({ where: { OR: [{ targetId: approval!.id }, { targetId: approved.rollback.id }] }, orderBy: { seq: "asc" } });
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ["rollback.approval_requested", alice.name],
      ["rollback.requested", bob.name],
      ["rollback.approved", bob.name],
    ]);
    expect(events[1]!.after).toMatchObject({ approvalId: approval!.id, requestedBy: alice.name, approvedBy: bob.name });
    await expect(approveRollback(twoPerson, approval!.id, bob)).rejects.toMatchObject({ code: "conflict" });

    const run = await runRollbackJob(twoPerson, approved.rollback.id, approved.job.id, bob);
    expect(run.rollback.status).toBe("completed");
    expect(await ctx.db.alert.findFirst({ where: { rollbackId: approved.rollback.id, kind: "rollback_completed" } })).not.toBeNull();
  }, 180_000);

  it("a refusal queues nothing and is audited with its reason; a request older than a day expires; a busy target keeps it pending", async () => {
    const refused = (await requestRollback(twoPerson, late.id, { components: ["config"], confirmName: "go-live" }, alice)).approval!;
    const decided = await refuseRollback(twoPerson, refused.id, bob, "  not during the release freeze ");
    expect(decided).toMatchObject({ status: "refused", decidedBy: bob.name, reason: "not during the release freeze", rollbackId: null });
    expect(await ctx.db.auditEvent.findFirst({ where: { action: "rollback.refused", targetId: refused.id } })).toMatchObject({
      actor: bob.name,
      result: "refused",
      after: expect.objectContaining({ reason: "not during the release freeze", requestedBy: alice.name }),
    });
    await expect(approveRollback(twoPerson, refused.id, bob)).rejects.toMatchObject({ code: "conflict" });

    const old = (await requestRollback(twoPerson, late.id, { components: ["config"], confirmName: "go-live" }, alice)).approval!;
    await ctx.db.rollbackApproval.update({ where: { id: old.id }, data: { requestedAt: new Date(Date.now() - 25 * 3_600_000) } });
    await expect(approveRollback(twoPerson, old.id, bob)).rejects.toMatchObject({ code: "conflict", message: expect.stringMatching(/expired/) });
    expect(await ctx.db.rollbackApproval.findUniqueOrThrow({ where: { id: old.id } })).toMatchObject({ status: "expired" });

    const waiting = (await requestRollback(twoPerson, late.id, { components: ["config"], confirmName: "go-live" }, alice)).approval!;
    const jobsBefore = await jobsOf(late.id);
    await submitCreateCheckpoint(ctx, { name: "in-the-way", phase: "initial" }, bob);
    await expect(approveRollback(twoPerson, waiting.id, bob)).rejects.toMatchObject({ code: "locked", status: 409 });
    expect(await ctx.db.rollbackApproval.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({ status: "pending", rollbackId: null });
    expect(await jobsOf(late.id)).toBe(jobsBefore);
  }, 120_000);
});
