import { Prisma } from "../db/generated/client";
import type { Db } from "../db/client";
import type { AppContext } from "../context";
import { nextDeliveryDelayMs, MAX_DELIVERY_ATTEMPTS, DEFAULT_FIRST_RETRY_MS } from "./delivery-schedule";
import { webhookBody, type WebhookFormat } from "./webhook-payload";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhookBody } from "./webhook-signature";
import { errorMessage } from "../domain/error-message";

export interface WebhookSettings {
  url: string;
  format: WebhookFormat;
  secret?: string;
}

export interface DeliveryOptions {
  /** Only these alerts (the ones a use case just committed); otherwise every due one. */
  alertIds?: string[];
  /** At most this many alerts per pass. */
  limit?: number;
  timeoutMs?: number;
  firstRetryMs?: number;
  maxAttempts?: number;
}

export interface DeliveryPass {
  sent: number;
  retrying: number;
  failed: number;
}

/** A delivery in flight holds its alert this long (longer than any POST); a worker killed mid-POST is retried after it. */
const CLAIM_SECONDS = 60;

/** The webhook the context configures, or undefined when ALERT_WEBHOOK_URL is not set. */
export function webhookSettingsOf(ctx: Pick<AppContext, "alertWebhookUrl" | "alertWebhookFormat" | "alertWebhookSecret">): WebhookSettings | undefined {
  if (!ctx.alertWebhookUrl) return undefined;
  return { url: ctx.alertWebhookUrl, format: ctx.alertWebhookFormat ?? "json", secret: ctx.alertWebhookSecret };
}

/**
 * One delivery pass over the alerts table, which is the webhook's outbox: claims the pending alerts
 * that are due (SKIP LOCKED, so any number of workers can run passes at once, each alert POSTed by
 * one of them), POSTs each, and records the outcome: sent; or the error and the next attempt's time
 * (delivery-schedule.ts); or, after the last attempt, failed (shown on the dashboard). Never throws
 * for a receiver's failure: a webhook must not fail or hold up the operation that raised the alert.
 */
export async function deliverDueAlerts(db: Db, webhook: WebhookSettings | undefined, options: DeliveryOptions = {}): Promise<DeliveryPass> {
  const pass: DeliveryPass = { sent: 0, retrying: 0, failed: 0 };
  if (!webhook) return pass;
  const only = options.alertIds ? Prisma.sql`AND id IN (${Prisma.join(options.alertIds.map((id) => Prisma.sql`${id}::uuid`))})` : Prisma.empty;
  if (options.alertIds?.length === 0) return pass;
  const claimed = await db.$queryRaw<{ id: string }[]>`
    UPDATE alerts SET webhook_next_attempt_at = now() + make_interval(secs => ${CLAIM_SECONDS})
    WHERE id IN (
      SELECT id FROM alerts
      WHERE webhook_status = 'pending' AND webhook_next_attempt_at <= now() ${only}
      ORDER BY webhook_next_attempt_at
      LIMIT ${options.limit ?? 20}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING id::text AS id`;
  for (const { id } of claimed) {
    const outcome = await deliverOne(db, id, webhook, options);
    if (outcome) pass[outcome] += 1;
  }
  return pass;
}

async function deliverOne(db: Db, alertId: string, webhook: WebhookSettings, options: DeliveryOptions): Promise<keyof DeliveryPass | null> {
  const alert = await db.alert.findUnique({ where: { id: alertId } });
  if (!alert || alert.webhookStatus !== "pending") return null;
  const body = webhookBody(alert, webhook.format);
  const error = await postOnce(webhook, alert.id, body, options.timeoutMs ?? 5_000);
  const attempt = alert.webhookAttempts + 1;
  if (error === null) {
    await db.alert.updateMany({
      where: { id: alertId, webhookStatus: "pending" },
      data: { webhookStatus: "sent", webhookAttempts: attempt, webhookSentAt: new Date(), webhookNextAttemptAt: null, webhookLastError: null },
    });
    return "sent";
  }
  const delay = nextDeliveryDelayMs(attempt, {
    firstRetryMs: options.firstRetryMs ?? DEFAULT_FIRST_RETRY_MS,
    maxAttempts: options.maxAttempts ?? MAX_DELIVERY_ATTEMPTS,
  });
  await db.alert.updateMany({
    where: { id: alertId, webhookStatus: "pending" },
    data: {
      webhookAttempts: attempt,
      webhookLastError: error.slice(0, 500),
      webhookStatus: delay === null ? "failed" : "pending",
      webhookNextAttemptAt: delay === null ? null : new Date(Date.now() + delay),
    },
  });
  if (delay === null) console.error(`[alerts] webhook delivery of alert ${alertId} failed after ${attempt} attempts: ${error}`);
  return delay === null ? "failed" : "retrying";
}

/** One POST; null when the receiver answered 2xx, else what went wrong. Redirects are not followed. */
async function postOnce(webhook: WebhookSettings, alertId: string, body: string, timeoutMs: number): Promise<string | null> {
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "migration-checkpoints", "x-checkpoints-alert-id": alertId };
  if (webhook.secret) {
    const timestamp = Math.floor(Date.now() / 1000);
    headers[TIMESTAMP_HEADER] = String(timestamp);
    headers[SIGNATURE_HEADER] = signWebhookBody(webhook.secret, body, timestamp);
  }
  try {
    const res = await fetch(webhook.url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel().catch(() => {});
    return res.ok ? null : `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
    return `${errorMessage(e)}${cause}`;
  }
}

const inFlight = new Set<Promise<unknown>>();

/**
 * First delivery attempt of alerts just committed, without the caller waiting (no-op without a
 * webhook). Whatever it does not deliver stays pending and is retried by the workers' delivery loop.
 */
export function deliverAlertInBackground(db: Db, alertIds: string | string[], webhook: WebhookSettings | undefined, options: DeliveryOptions = {}): void {
  if (!webhook) return;
  const ids = Array.isArray(alertIds) ? alertIds : [alertIds];
  if (ids.length === 0) return;
  const p = deliverDueAlerts(db, webhook, { ...options, alertIds: ids })
    .catch((e) => console.error(`[alerts] webhook delivery failed: ${errorMessage(e)}`))
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
}

/** Waits for background deliveries started so far (tests, graceful shutdown). */
export async function settleAlertDeliveries(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

/**
 * The retry loop every worker runs: a delivery pass every `intervalMs`, never two at once in this
 * process. Pending deliveries are rows, so they survive a restart and any worker picks them up.
 */
export function startAlertDeliveryLoop(db: Db, webhook: WebhookSettings | undefined, options: DeliveryOptions & { intervalMs?: number } = {}) {
  let running: Promise<unknown> | null = null;
  const runOnce = () =>
    (running ??= deliverDueAlerts(db, webhook, options)
      .catch((e) => console.error(`[alerts] delivery pass failed: ${errorMessage(e)}`))
      .finally(() => {
        running = null;
      }));
  const timer = webhook ? setInterval(() => void runOnce(), options.intervalMs ?? 5_000) : null;
  timer?.unref();
  return {
    runOnce,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
