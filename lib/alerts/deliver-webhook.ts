import type { Db } from "../db/client";

export interface WebhookOptions {
  url: string;
  attempts?: number;
  timeoutMs?: number;
  /** Wait before attempt n+1 is backoffMs * 2^(n-1). */
  backoffMs?: number;
}

/**
 * POSTs the alert's JSON to the webhook, retrying (3 attempts, exponential backoff, 5 s timeout
 * each), and records webhookStatus/webhookAttempts. Never throws: a webhook must not fail the
 * operation that raised the alert.
 */
export async function deliverAlertWebhook(db: Db, alertId: string, options: WebhookOptions): Promise<"sent" | "failed"> {
  const { url, attempts = 3, timeoutMs = 5_000, backoffMs = 500 } = options;
  try {
    const alert = await db.alert.findUniqueOrThrow({ where: { id: alertId } });
    const body = JSON.stringify({ ...alert, createdAt: alert.createdAt.toISOString() });
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const ok = await postOnce(url, body, timeoutMs);
      const status = ok ? "sent" : attempt === attempts ? "failed" : "pending";
      await db.alert.update({ where: { id: alertId }, data: { webhookAttempts: attempt, webhookStatus: status } });
      if (ok) return "sent";
      if (attempt < attempts) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
    }
    return "failed";
  } catch (e) {
    console.error(`[alerts] webhook delivery of alert ${alertId} failed: ${e instanceof Error ? e.message : String(e)}`);
    await db.alert.update({ where: { id: alertId }, data: { webhookStatus: "failed" } }).catch(() => {});
    return "failed";
  }
}

async function postOnce(url: string, body: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel().catch(() => {});
    return res.ok;
  } catch {
    return false;
  }
}

const inFlight = new Set<Promise<unknown>>();

/** Fire-and-forget delivery (no-op without a URL); the caller never waits for it. */
export function deliverAlertInBackground(db: Db, alertId: string, url: string | undefined, options: Omit<WebhookOptions, "url"> = {}): void {
  if (!url) return;
  const p = deliverAlertWebhook(db, alertId, { ...options, url }).finally(() => inFlight.delete(p));
  inFlight.add(p);
}

/** Waits for background deliveries started so far (tests, graceful shutdown). */
export async function settleAlertDeliveries(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}
