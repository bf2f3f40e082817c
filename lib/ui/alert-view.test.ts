import { describe, expect, it } from "vitest";
import { acknowledgedText, alertTime, bannerClasses, deliveryDetail, deliverySummary, type AlertDeliveryFacts } from "./alert-view";

const at = (iso: string) => new Date(iso);
const base: AlertDeliveryFacts = { webhookStatus: "pending", webhookAttempts: 0, webhookLastError: null, webhookSentAt: null, webhookNextAttemptAt: null };

// Each row: a delivery, what /alerts says of it, and what the banner says.
const cases: [string, Partial<AlertDeliveryFacts>, ReturnType<typeof deliveryDetail>, string | null][] = [
  ["no webhook", { webhookStatus: "disabled" }, { state: "disabled", text: "no webhook configured" }, null],
  ["sent at once", { webhookStatus: "sent", webhookAttempts: 1, webhookSentAt: at("2026-12-06T21:30:05.123Z") }, { state: "sent", text: "sent 21:30:05 (1 attempt)" }, "webhook sent"],
  ["sent after retries, time unknown", { webhookStatus: "sent", webhookAttempts: 3 }, { state: "sent", text: "sent (3 attempts)" }, "webhook sent"],
  ["given up", { webhookStatus: "failed", webhookAttempts: 8, webhookLastError: "HTTP 500" }, { state: "failed", text: "after 8 attempts: HTTP 500" }, "webhook NOT delivered after 8 attempts (HTTP 500)"],
  ["given up, no error kept", { webhookStatus: "failed", webhookAttempts: 8 }, { state: "failed", text: "after 8 attempts: no error recorded" }, "webhook NOT delivered after 8 attempts (no error recorded)"],
  ["not tried yet", {}, { state: "pending", text: "pending" }, "webhook pending"],
  ["retrying", { webhookAttempts: 2, webhookLastError: "ECONNREFUSED", webhookNextAttemptAt: at("2026-12-06T21:31:00Z") }, { state: "pending", text: "retrying (2 failed: ECONNREFUSED), next 21:31:00" }, "webhook retrying (2 failed: ECONNREFUSED)"],
  ["retrying, no error kept", { webhookAttempts: 1 }, { state: "pending", text: "retrying (1 failed: ?)" }, "webhook retrying (1 failed: ?)"],
];

describe("webhook delivery", () => {
  it.each(cases)("%s", (_name, facts, detail, summary) => {
    const a = { ...base, ...facts };
    expect(deliveryDetail(a)).toEqual(detail);
    expect(deliverySummary(a)).toBe(summary);
  });
});

describe("alert texts", () => {
  it("shows times in UTC", () => {
    expect(alertTime(at("2026-12-06T21:30:05.999Z"))).toBe("2026-12-06 21:30:05");
    expect(acknowledgedText({ acknowledgedBy: "admin@example.test", acknowledgedAt: at("2026-12-06T21:30:05Z") })).toBe("admin@example.test, 2026-12-06 21:30");
    expect(acknowledgedText({ acknowledgedBy: null, acknowledgedAt: at("2026-12-06T21:30:05Z") })).toBe("someone, 2026-12-06 21:30");
  });
  it.each([
    ["critical", "bg-red-50 text-red-900 ring-red-200"],
    ["warning", "bg-amber-50 text-amber-900 ring-amber-200"],
    ["info", "bg-amber-50 text-amber-900 ring-amber-200"],
  ])("a %s alert's banner colours", (severity, classes) => expect(bannerClasses(severity)).toBe(classes));
});
