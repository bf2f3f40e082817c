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
