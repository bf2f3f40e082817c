/** How an alert and its webhook delivery read on /alerts and in the banner above pages. Pure. */

export interface AlertDeliveryFacts {
  webhookStatus: string;
  webhookAttempts: number;
  webhookLastError: string | null;
  webhookSentAt?: Date | null;
  webhookNextAttemptAt?: Date | null;
}

const clock = (d: Date) => d.toISOString().slice(11, 19);

/** An alert's time in UTC, to the second: "2026-12-06 21:30:05". */
export function alertTime(d: Date): string {
  return d.toISOString().replace("T", " ").slice(0, 19);
}

/**
 * The webhook delivery of one alert on /alerts: "disabled" (no webhook configured), "sent", "failed"
 * (given up: the text follows the words "not delivered", and the page offers a retry), or "pending"
 * (not tried yet, or retrying).
 */
export function deliveryDetail(a: AlertDeliveryFacts): { state: "disabled" | "sent" | "failed" | "pending"; text: string } {
  const n = a.webhookAttempts;
  if (a.webhookStatus === "disabled") return { state: "disabled", text: "no webhook configured" };
  if (a.webhookStatus === "sent") return { state: "sent", text: `sent${a.webhookSentAt ? ` ${clock(a.webhookSentAt)}` : ""} (${n} attempt${n === 1 ? "" : "s"})` };
  if (a.webhookStatus === "failed") return { state: "failed", text: `after ${n} attempts: ${a.webhookLastError ?? "no error recorded"}` };
  const next = a.webhookNextAttemptAt ? `, next ${clock(a.webhookNextAttemptAt)}` : "";
  return { state: "pending", text: `${n === 0 ? "pending" : `retrying (${n} failed: ${a.webhookLastError ?? "?"})`}${next}` };
}

/** The webhook's state of one alert in the banner, in a few words; null when no webhook is configured. */
export function deliverySummary(a: AlertDeliveryFacts): string | null {
  if (a.webhookStatus === "disabled") return null;
  if (a.webhookStatus === "sent") return "webhook sent";
  if (a.webhookStatus === "failed") return `webhook NOT delivered after ${a.webhookAttempts} attempts (${a.webhookLastError ?? "no error recorded"})`;
  return a.webhookAttempts > 0 ? `webhook retrying (${a.webhookAttempts} failed: ${a.webhookLastError ?? "?"})` : "webhook pending";
}

/** Who acknowledged the alert and when (UTC, to the minute). */
export function acknowledgedText(a: { acknowledgedBy: string | null; acknowledgedAt: Date }): string {
  return `${a.acknowledgedBy ?? "someone"}, ${a.acknowledgedAt.toISOString().replace("T", " ").slice(0, 16)}`;
}

/** The banner's colours: red for a critical alert, amber otherwise. Literal classes, so Tailwind finds them. */
export function bannerClasses(severity: string): string {
  return severity === "critical" ? "bg-red-50 text-red-900 ring-red-200" : "bg-amber-50 text-amber-900 ring-amber-200";
}
