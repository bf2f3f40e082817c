import { describe, expect, it } from "vitest";
import { confirmationMatches, orderComponents, readRollbackResult } from "./rollback-view";
import { readJob } from "./job-view";

describe("confirmationMatches", () => {
  it("accepts only the exact name", () => {
    expect(confirmationMatches("pre-data 2", "pre-data 2")).toBe(true);
    expect(confirmationMatches("pre-data", "pre-data 2")).toBe(false);
    expect(confirmationMatches("Pre-data 2", "pre-data 2")).toBe(false);
    expect(confirmationMatches("pre-data 2 ", "pre-data 2")).toBe(false);
    expect(confirmationMatches("", "")).toBe(false);
  });
});

describe("orderComponents", () => {
  it("keeps the canonical order and drops unknown names", () => {
    expect(orderComponents(["config", "database", "x"])).toEqual(["database", "config"]);
  });
});

describe("readRollbackResult", () => {
  it("reads the per-component report", () => {
    const r = readRollbackResult(
      { status: "completed", message: "Database is at checkpoint", components: [{ component: "database", status: "restored", detail: "3 tables", durationMs: 812 }], safetyCheckpointId: "s" },
      null,
    );
    expect(r).toEqual({ ok: true, message: "Database is at checkpoint", components: [{ component: "database", status: "restored", detail: "3 tables", durationMs: 812 }], safetyCheckpointId: "s" });
  });
  it("is not ok when a component failed or the job failed, and survives a missing result", () => {
    expect(readRollbackResult({ components: [{ component: "storage", status: "failed", detail: "disk full" }] }, null).ok).toBe(false);
    expect(readRollbackResult(null, "backup altered")).toEqual({ ok: false, message: "backup altered", components: [], safetyCheckpointId: null });
  });
});

describe("readJob", () => {
  it("reads status and progress and shows a completed job as done", () => {
    expect(readJob({ id: "j", kind: "rollback", status: "running", progress: { stepsDone: 1, stepsTotal: 4, step: "restore" } })).toMatchObject({ status: "running", progress: { percent: 25, step: "restore" } });
    expect(readJob({ status: "completed", progress: {} }).progress.percent).toBe(100);
    expect(readJob("nonsense")).toMatchObject({ status: "unknown", error: null });
  });
});

import { readVerifyReport } from "./verify-view";
describe("readVerifyReport", () => {
  it("names each altered or missing file with its hashes", () => {
    const v = readVerifyReport({
      ok: false,
      components: [
        { component: "database", ok: true, problems: [] },
        { component: "storage", ok: false, problems: [{ path: "storage/blobs/ab", kind: "altered", expected: "a".repeat(64), actual: "b".repeat(64) }, { path: "storage/x", kind: "missing" }] },
      ],
    });
    expect(v?.ok).toBe(false);
    expect(v?.components[1]?.problems).toEqual([
      { path: "storage/blobs/ab", kind: "altered (sha256 differs)", detail: `expected ${"a".repeat(12)}…, found ${"b".repeat(12)}…` },
      { path: "storage/x", kind: "missing", detail: "" },
    ]);
    expect(readVerifyReport({ ok: true })).toBeNull();
  });
});

import { previewTableRows } from "./rollback-view";
describe("previewTableRows", () => {
  it("lists changed, appearing, disappearing and incomparable tables, in that order", () => {
    expect(
      previewTableRows({
        changed: [
          { table: "public.tasks", current: { rowCount: 2001 }, checkpoint: { rowCount: 2000 } },
          { table: "public.projects", current: { rowCount: 200 }, checkpoint: { rowCount: 200 } },
        ],
        appear: ["public.comments"],
        disappear: ["public.scratch"],
        notComparable: [{ table: "public.profiles", rowCount: 192, reason: "checksum format 1" }],
      }),
    ).toEqual([
      { table: "public.tasks", note: null, now: "2,001", after: "2,000" },
      { table: "public.projects", note: "content differs", now: "200", after: "200" },
      { table: "public.comments", note: null, now: "missing", after: "restored" },
      { table: "public.scratch", note: null, now: "exists", after: "removed" },
      { table: "public.profiles", note: "content cannot be compared: checksum format 1", now: "192", after: "192" },
    ]);
  });
});

import { previewVerdict, type PreviewFacts } from "./rollback-view";
describe("previewVerdict", () => {
  const db = (diff: { changed: unknown[]; appear: unknown[]; disappear: unknown[] }, equal = false): PreviewFacts => ({ ok: true, equal, component: "database", diff });
  const none = { changed: [], appear: [], disappear: [] };
  it.each([
    ["not comparable", { ok: false } as PreviewFacts, false, "cannot_compare"],
    ["equal", db(none, true), false, "no_change"],
    ["equal rows, schema changed since", db(none, true), true, "will_change"],
    ["a table changes", db({ ...none, changed: [{}] }), false, "will_change"],
    ["a table appears", db({ ...none, appear: ["t"] }), false, "will_change"],
    ["only incomparable tables", db(none), false, "partly_unknown"],
    ["storage differs", { ok: true, equal: false, component: "storage", diff: {} } as PreviewFacts, false, "will_change"],
  ] as const)("%s", (_name, change, schemaChanged, verdict) => expect(previewVerdict(change, schemaChanged)).toBe(verdict));
});
