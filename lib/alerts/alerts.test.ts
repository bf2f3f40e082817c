import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../test/pg";
import { migrateDatabase } from "../db/migrate";
import { getDb, type Db } from "../db/client";
import { createAlert, type AlertInput } from "./create-alert";
import { deliverAlertInBackground, deliverDueAlerts, settleAlertDeliveries, type WebhookSettings } from "./deliver-webhook";
import { nextDeliveryDelayMs } from "./delivery-schedule";
import { countUndeliveredAlerts, listOpenAlerts } from "./list-alerts";
import { acknowledgeAlert } from "./acknowledge-alert";
import { retryAlertDelivery } from "./retry-alert-delivery";
import { escapeSlack } from "./webhook-payload";
import { signWebhookBody, verifyWebhookSignature } from "./webhook-signature";

const SECRET = "whsec-test-0123456789abcdef";

/** What the receiver saw of one POST, and whether the signature held by its own computation. */
interface Received {
  body: string;
  json: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
  signatureValid: boolean;
}

let db: Db;
let server: http.Server;
let url: string;
const received: Received[] = [];
/** Answers 500 while this is > 0; holds a request this many ms before answering. */
let failuresLeft = 0;
let holdMs = 0;

/** The receiver checks the signature the way the README tells a receiver to: node:crypto, no product code. */
function receiverVerifies(body: string, headers: http.IncomingHttpHeaders): boolean {
  const timestamp = String(headers["x-checkpoints-timestamp"] ?? "");
  const signature = String(headers["x-checkpoints-signature"] ?? "");
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(`v1=${createHmac("sha256", SECRET).update(`${timestamp}.${body}`).digest("hex")}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

beforeAll(async () => {
  const dbUrl = await createScratchDatabase("alerts");
  await migrateDatabase(dbUrl);
  db = getDb(dbUrl);
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ body, json: JSON.parse(body), headers: req.headers, signatureValid: receiverVerifies(body, req.headers) });
      const answer = () => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          res.writeHead(500).end();
        } else res.writeHead(204).end();
      };
      if (holdMs > 0) setTimeout(answer, holdMs);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(async () => {
  failuresLeft = 0;
  holdMs = 0;
  received.length = 0;
  await db.alert.deleteMany();
});

const input: AlertInput = { kind: "validation_failed", severity: "critical", title: "Validation failed", message: "data: checksum mismatch in public.orders <!channel>" };
const json = (): WebhookSettings => ({ url, format: "json", secret: SECRET });
const quick = { firstRetryMs: 40, maxAttempts: 3 };

const newAlert = (extra: Partial<AlertInput> = {}) => db.$transaction((tx) => createAlert(tx, { ...input, ...extra }, { webhookUrl: url }));
const stored = (id: string) => db.alert.findUniqueOrThrow({ where: { id } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("alert webhook delivery", () => {
  it("signs the exact body with a timestamp; a receiver that recomputes the HMAC accepts it, and a changed body or an old timestamp is refused", async () => {
    const alert = await newAlert();
    expect(await deliverDueAlerts(db, json())).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(received).toHaveLength(1);
    const [r] = received;
    expect(r!.signatureValid).toBe(true);
    expect(r!.headers["content-type"]).toBe("application/json");
    expect(r!.json).toMatchObject({ id: alert.id, kind: "validation_failed", severity: "critical", title: "Validation failed", createdAt: alert.createdAt.toISOString() });
    expect(await stored(alert.id)).toMatchObject({ webhookStatus: "sent", webhookAttempts: 1, webhookLastError: null, webhookNextAttemptAt: null });

    const timestamp = String(r!.headers["x-checkpoints-timestamp"]);
    const signature = String(r!.headers["x-checkpoints-signature"]);
    expect(verifyWebhookSignature({ secret: SECRET, body: r!.body, timestamp, signature })).toBe(true);
    expect(verifyWebhookSignature({ secret: SECRET, body: r!.body.replace("critical", "warning"), timestamp, signature })).toBe(false);
    expect(verifyWebhookSignature({ secret: "another-secret-0123456", body: r!.body, timestamp, signature })).toBe(false);
    // The same signed request replayed ten minutes later.
    expect(verifyWebhookSignature({ secret: SECRET, body: r!.body, timestamp, signature, nowSeconds: Number(timestamp) + 600 })).toBe(false);
    // A timestamp moved forward without re-signing.
    expect(verifyWebhookSignature({ secret: SECRET, body: r!.body, timestamp: String(Number(timestamp) + 1), signature })).toBe(false);
    expect(signWebhookBody(SECRET, "{}", 1700000000)).toBe(`v1=${createHmac("sha256", SECRET).update("1700000000.{}").digest("hex")}`);
  });

  it("without a secret sends no signature; the Slack format sends text and blocks with Slack markup escaped", async () => {
    const alert = await newAlert();
    await deliverDueAlerts(db, { url, format: "slack" });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers["x-checkpoints-signature"]).toBeUndefined();
    const body = received[0]!.json as { text: string; blocks: { type: string; text?: { type: string; text: string }; elements?: { text: string }[] }[] };
    expect(body.text).toBe(":rotating_light: Validation failed");
    expect(body.blocks[0]).toMatchObject({ type: "section", text: { type: "mrkdwn" } });
    expect(body.blocks[0]!.text!.text).toContain("checksum mismatch in public.orders &lt;!channel&gt;");
    expect(body.blocks[0]!.text!.text).not.toContain("<!channel>");
    expect(body.blocks[1]!.elements![0]!.text).toContain("critical · validation_failed");
    expect(await stored(alert.id)).toMatchObject({ webhookStatus: "sent" });
    expect(escapeSlack("a & <b>")).toBe("a &amp; &lt;b&gt;");
  });

  it("retries a failing receiver with backoff across separate passes (as after a restart), then delivers", async () => {
    failuresLeft = 2;
    const backoff = { firstRetryMs: 300, maxAttempts: 3 };
    const alert = await newAlert();
    expect(await deliverDueAlerts(db, json(), backoff)).toEqual({ sent: 0, retrying: 1, failed: 0 });
    let row = await stored(alert.id);
    expect(row).toMatchObject({ webhookStatus: "pending", webhookAttempts: 1, webhookLastError: "HTTP 500 Internal Server Error" });
    const firstWait = row.webhookNextAttemptAt!.getTime() - row.createdAt.getTime();
    expect(firstWait).toBeGreaterThanOrEqual(300);
    // Not due yet: a pass right away does not POST.
    expect(await deliverDueAlerts(db, json(), backoff)).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(received).toHaveLength(1);
    await sleep(row.webhookNextAttemptAt!.getTime() - Date.now() + 20);
    const secondStarted = Date.now();
    expect((await deliverDueAlerts(db, json(), backoff)).retrying).toBe(1);
    row = await stored(alert.id);
    // The second wait is three times the first.
    expect(row.webhookNextAttemptAt!.getTime() - secondStarted).toBeGreaterThanOrEqual(850);
    await sleep(row.webhookNextAttemptAt!.getTime() - Date.now() + 20);
    expect((await deliverDueAlerts(db, json(), backoff)).sent).toBe(1);
    expect(received).toHaveLength(3);
    expect(received.every((r) => r.signatureValid)).toBe(true);
    expect(await stored(alert.id)).toMatchObject({ webhookStatus: "sent", webhookAttempts: 3, webhookLastError: null });
    expect(await countUndeliveredAlerts(db)).toBe(0);
  });

  it("gives up after the last attempt: the failure and its error stay visible until acknowledged; a retry queues it again (audited)", async () => {
    failuresLeft = 100;
    const alert = await newAlert();
    for (let i = 0; i < 3; i++) {
      await deliverDueAlerts(db, json(), { ...quick, firstRetryMs: 1 });
      await sleep(10);
    }
    expect(received).toHaveLength(3);
    expect(await stored(alert.id)).toMatchObject({ webhookStatus: "failed", webhookAttempts: 3, webhookLastError: "HTTP 500 Internal Server Error", webhookNextAttemptAt: null });
    expect(await countUndeliveredAlerts(db)).toBe(1);
    // A failed delivery is never picked up again on its own.
    await deliverDueAlerts(db, json(), quick);
    expect(received).toHaveLength(3);

    failuresLeft = 0;
    await retryAlertDelivery(db, alert.id, { name: "ops@example.com", role: "operator", origin: "test" });
    await deliverDueAlerts(db, json(), quick);
    expect(await stored(alert.id)).toMatchObject({ webhookStatus: "sent", webhookAttempts: 1 });
    expect(await db.auditEvent.findFirst({ where: { action: "alert.retry_delivery", targetId: alert.id } })).toMatchObject({ actor: "ops@example.com" });
    await expect(retryAlertDelivery(db, alert.id, { name: "ops@example.com" })).rejects.toMatchObject({ code: "conflict" });
  });

  it("a receiver that cannot be reached is an error recorded, not thrown; nothing without a webhook", async () => {
    const alert = await newAlert();
    await deliverDueAlerts(db, { url: "http://127.0.0.1:1/hook", format: "json" }, quick);
    const row = await stored(alert.id);
    expect(row.webhookStatus).toBe("pending");
    expect(row.webhookLastError).toMatch(/fetch failed|ECONNREFUSED/);
    const none = await db.$transaction((tx) => createAlert(tx, input, {}));
    expect(none.webhookStatus).toBe("disabled");
    expect(await deliverDueAlerts(db, undefined)).toEqual({ sent: 0, retrying: 0, failed: 0 });
  });

  it("the operation does not wait for a slow receiver, and two passes at once POST an alert once", async () => {
    holdMs = 400;
    const alert = await newAlert();
    // It returns at once: nothing has reached the receiver yet, let alone its slow answer.
    expect(deliverAlertInBackground(db, alert.id, json())).toBeUndefined();
    expect(received).toHaveLength(0);
    await sleep(50);
    const [a, b] = await Promise.all([deliverDueAlerts(db, json()), deliverDueAlerts(db, json())]);
    expect(a.sent + b.sent).toBe(0);
    await settleAlertDeliveries();
    expect(received).toHaveLength(1);
    expect(await stored(alert.id)).toMatchObject({ webhookStatus: "sent", webhookAttempts: 1 });
  });
});

describe("open alerts and acknowledging", () => {
  it("the banner lists warnings and critical alerts newest first; acknowledging records who, once, with an audit event", async () => {
    const first = await newAlert({ severity: "warning", title: "first" });
    await sleep(5);
    const second = await newAlert({ title: "second" });
    await newAlert({ kind: "gate_opened", severity: "info", title: "gate" });
    const open = await listOpenAlerts(db);
    expect(open.map((a) => a.id)).toEqual([second.id, first.id]);

    const admin = { name: "admin@example.com", role: "operator", origin: "203.0.113.9" };
    const acked = await acknowledgeAlert(db, second.id, admin);
    expect(acked.acknowledgedBy).toBe("admin@example.com");
    expect(acked.acknowledgedAt).not.toBeNull();
    await acknowledgeAlert(db, second.id, { name: "someone-else@example.com", role: "admin" });
    expect((await stored(second.id)).acknowledgedBy).toBe("admin@example.com");
    const events = await db.auditEvent.findMany({ where: { action: "alert.acknowledge", targetId: second.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: "admin@example.com", actorRole: "operator", origin: "203.0.113.9", targetType: "alert", result: "success" });
    expect(events[0]!.after).toEqual({ acknowledgedBy: "admin@example.com" });
    expect((await listOpenAlerts(db)).map((a) => a.id)).toEqual([first.id]);
    await expect(acknowledgeAlert(db, "00000000-0000-4000-8000-000000000000", admin)).rejects.toMatchObject({ code: "not_found" });
    await expect(acknowledgeAlert(db, "not-a-uuid", admin)).rejects.toMatchObject({ status: 400 });
  });
});

describe("delivery schedule", () => {
  it("triples the wait after each failure up to 15 minutes and stops after the last attempt", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => nextDeliveryDelayMs(n))).toEqual([5_000, 15_000, 45_000, 135_000, 405_000, 900_000, 900_000]);
    expect(nextDeliveryDelayMs(8)).toBeNull();
    expect(nextDeliveryDelayMs(2, { firstRetryMs: 10, maxAttempts: 3 })).toBe(30);
    expect(nextDeliveryDelayMs(3, { firstRetryMs: 10, maxAttempts: 3 })).toBeNull();
  });
});
