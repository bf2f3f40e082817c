import { describe, expect, it } from "vitest";
import { formatBytes, formatCount, formatDateTime, formatDuration, formatRelativeTime, humanize, jobKindLabel, shortenChecksum, shortenHash } from "./format";

describe("formatBytes", () => {
  it("uses binary units with sensible precision", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(10 * 1024 * 1024)).toBe("10 MB");
    expect(formatBytes(123.4 * 1024 ** 3)).toBe("123 GB");
  });
  it("shows a dash for unknown sizes", () => {
    expect(formatBytes(null)).toBe("—");
    expect(formatBytes(Number.NaN)).toBe("—");
  });
});

describe("formatCount / formatDuration", () => {
  it("groups thousands", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatCount(12)).toBe("12");
    expect(formatCount(undefined)).toBe("—");
  });
  it("reads durations the way people say them", () => {
    expect(formatDuration(812)).toBe("812 ms");
    expect(formatDuration(1500)).toBe("1.5 s");
    expect(formatDuration(61_000)).toBe("1 min 1 s");
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe("2 h 5 min");
  });
});

describe("formatRelativeTime", () => {
  const now = new Date("2025-06-01T12:00:00Z");
  it("describes past and future times", () => {
    expect(formatRelativeTime("2025-06-01T11:59:50Z", now)).toBe("just now");
    expect(formatRelativeTime("2025-06-01T11:55:00Z", now)).toBe("5 min ago");
    expect(formatRelativeTime("2025-06-01T09:00:00Z", now)).toBe("3 h ago");
    expect(formatRelativeTime("2025-05-31T12:00:00Z", now)).toBe("1 day ago");
    expect(formatRelativeTime("2025-06-01T12:10:00Z", now)).toBe("in 10 min");
  });
  it("falls back to an absolute UTC date for old events and says never for missing ones", () => {
    expect(formatRelativeTime("2025-01-02T03:04:00Z", now)).toBe("2025-01-02 03:04 UTC");
    expect(formatRelativeTime(null, now)).toBe("never");
    expect(formatDateTime("not a date")).toBe("—");
  });
});

describe("shortenHash / humanize", () => {
  it("keeps the start and end of a hash and drops an algorithm prefix", () => {
    const h = "sha256:" + "a".repeat(60) + "beef";
    expect(shortenHash(h)).toBe("aaaaaaaa…beef");
    expect(shortenHash("abc")).toBe("abc");
    expect(shortenHash(null)).toBe("—");
  });
  it("turns identifiers into words", () => {
    expect(humanize("create_checkpoint")).toBe("Create checkpoint");
    expect(humanize("checkpoint.rollback")).toBe("Checkpoint rollback");
  });
  it("labels a job kind from its definition, and humanizes a kind it does not know", () => {
    expect(jobKindLabel("create_checkpoint")).toBe("Create checkpoint");
    expect(jobKindLabel("rollback")).toBe("Rollback");
    expect(jobKindLabel("some_new_kind")).toBe("Some new kind");
  });
});

describe("shortenChecksum", () => {
  it("drops the leading zeros of a summed checksum before shortening", () => {
    expect(shortenChecksum("0".repeat(12) + "f3a9c1d2e4b5a6978812120")).toBe("f3a9c1d2…2120");
    expect(shortenChecksum("0".repeat(32))).toBe("0");
    expect(shortenChecksum(null)).toBe("—");
  });
});
