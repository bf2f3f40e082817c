import { describe, expect, it } from "vitest";
import { CHECKPOINT_STATUSES } from "../domain/checkpoint-status";
import { statusStyle } from "./status-style";

describe("statusStyle", () => {
  it("gives every checkpoint status its own label", () => {
    const labels = CHECKPOINT_STATUSES.map((s) => statusStyle("checkpoint", s).label);
    expect(new Set(labels).size).toBe(CHECKPOINT_STATUSES.length);
  });
  it("uses the same colour for failure across entities", () => {
    expect(statusStyle("checkpoint", "failed").tone).toBe("danger");
    expect(statusStyle("backup", "failed").tone).toBe("danger");
    expect(statusStyle("validation", "failed").tone).toBe("danger");
    expect(statusStyle("job", "failed").tone).toBe("danger");
  });
  it("shows an unknown status as neutral raw text instead of failing", () => {
    expect(statusStyle("job", "paused")).toEqual({ label: "paused", tone: "neutral", hint: "" });
  });
});

describe("inconclusive", () => {
  it("is a warning-coloured no-verdict badge, never green", () => {
    const s = statusStyle("validation", "inconclusive");
    expect(s.label).toBe("Inconclusive");
    expect(s.tone).toBe("warning");
  });
});

describe("comparison, alert, rollback and audit chain kinds", () => {
  // Each row: a kind, a value, the label and the colour it is shown with.
  const cases = [
    ["table_match", "match", "Match", "success"],
    ["table_match", "count_mismatch", "Row count differs", "danger"],
    ["table_match", "checksum_mismatch", "Content differs", "danger"],
    ["table_match", "incomplete", "Not measured", "neutral"],
    ["table_change", "same", "Same", "success"],
    ["table_change", "changed", "Changed", "warning"],
    ["table_change", "added", "Only in B", "info"],
    ["table_change", "removed", "Only in A", "danger"],
    ["table_change", "unknown", "Not measured", "neutral"],
    ["table_change", "not_comparable", "Not comparable (checksums recorded in different formats)", "neutral"],
    ["file_change", "added", "Added in B", "info"],
    ["file_change", "removed", "Removed in B", "danger"],
    ["file_change", "changed", "Changed", "warning"],
    ["config_change", "changed", "Content differs", "warning"],
    ["config_change", "added", "Only in B", "info"],
    ["config_change", "removed", "Only in A", "danger"],
    ["copy", "queued", "Queued", "neutral"],
    ["copy", "running", "Copying", "info"],
    ["copy", "complete", "Copied and verified", "success"],
    ["copy", "failed", "Failed", "danger"],
    ["severity", "critical", "critical", "danger"],
    ["severity", "warning", "warning", "warning"],
    ["severity", "info", "info", "info"],
    ["chain_link", "valid", "Links to the previous event", "success"],
    ["chain_link", "broken", "Does not match the previous event", "danger"],
    ["chain_hash", "valid", "Matches the event's content", "success"],
    ["chain_hash", "altered", "Content was altered", "danger"],
    ["chain_key", "keyed", "Keyed MAC (the database cannot recompute it)", "success"],
    ["rollback_component", "restored", "Restored", "success"],
    ["rollback_preview", "cannot_compare", "Cannot compare", "danger"],
    ["rollback_preview", "no_change", "No change", "success"],
    ["rollback_preview", "partly_unknown", "Cannot compare some tables", "warning"],
    ["rollback_preview", "will_change", "Will change", "warning"],
    ["rollback_preview", "not_listed", "Cannot compare", "neutral"],
    ["rollback_component", "failed", "Failed", "danger"],
    ["rollback_component", "skipped", "Skipped", "neutral"],
    ["chain_key", "legacy", "Unkeyed legacy event (written before the chain was keyed)", "neutral"],
  ] as const;
  it.each(cases)("%s %s: %s (%s)", (kind, value, label, tone) => {
    expect(statusStyle(kind, value)).toMatchObject({ label, tone });
  });
});
