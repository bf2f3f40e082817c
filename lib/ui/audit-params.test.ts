import { describe, expect, it } from "vitest";
import { auditExportHref, auditListHref, DEFAULT_AUDIT_PARAMS, parseAuditParams } from "./audit-params";

const ID = "0b6f1c9e-8a4c-4c1e-9a51-3d9f2b7c1a22";

describe("parseAuditParams", () => {
  it("reads every filter, times as UTC", () => {
    expect(parseAuditParams({ checkpoint: ID, action: "checkpoint.rollback", actor: " alice ", from: "2025-03-04T13:05", to: "2025-03-05", page: "2" })).toEqual({
      checkpointId: ID,
      action: "checkpoint.rollback",
      actor: "alice",
      from: "2025-03-04T13:05:00.000Z",
      to: "2025-03-05T00:00:00.000Z",
      page: 2,
    });
  });
  it("takes checkpointId (canonical) or checkpoint, and writes checkpointId", () => {
    expect(parseAuditParams({ checkpointId: ID.toUpperCase() }).checkpointId).toBe(ID);
    expect(auditListHref(parseAuditParams({ checkpoint: ID }))).toBe(`/audit?checkpointId=${ID}`);
  });
  it("ignores malformed values instead of failing", () => {
    expect(parseAuditParams({ checkpoint: "x'; drop", action: "a b", from: "yesterday", to: "2025-13-45T99:99", page: "-1" })).toEqual(DEFAULT_AUDIT_PARAMS);
  });
});

describe("audit links", () => {
  it("round-trip through the parser and leave defaults out", () => {
    const p = parseAuditParams({ actor: "bob", from: "2025-03-04T13:05", page: "3" });
    const href = auditListHref(p);
    expect(href).toBe("/audit?actor=bob&from=2025-03-04T13%3A05&page=3");
    expect(parseAuditParams(Object.fromEntries(new URL(href, "http://x").searchParams))).toEqual(p);
    expect(auditListHref(DEFAULT_AUDIT_PARAMS)).toBe("/audit");
  });
  it("export links keep the filters but not the page", () => {
    expect(auditExportHref("csv", { ...DEFAULT_AUDIT_PARAMS, action: "checkpoint.create" })).toBe("/audit/export/csv?action=checkpoint.create");
    expect(auditExportHref("json", DEFAULT_AUDIT_PARAMS)).toBe("/audit/export/json");
  });
});
