import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../test/pg";
import { migrateDatabase } from "../db/migrate";
import { getDb, type Db } from "../db/client";
import { createAlert } from "./create-alert";
import { deliverAlertInBackground, settleAlertDeliveries } from "./deliver-webhook";
import { acknowledgeAlert, listOpenAlerts } from "./list-alerts";

let db: Db;
let server: http.Server;
let url: string;
const received: unknown[] = [];
let failuresLeft = 0;

beforeAll(async () => {
  const dbUrl = await createScratchDatabase("alerts");
  await migrateDatabase(dbUrl);
  db = getDb(dbUrl);
  // A real loopback receiver: answers 500 while failuresLeft > 0, then 204.
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push(JSON.parse(body));
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        res.writeHead(500).end();
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const input = { kind: "validation_failed" as const, severity: "critical" as const, title: "Validation failed", message: "data: checksum mismatch" };

describe("alerts", () => {
  it("delivers to a webhook that fails twice, on the third attempt, without the caller waiting", async () => {
    failuresLeft = 2;
    received.length = 0;
    const alert = await db.$transaction((tx) => createAlert(tx, input, { webhookUrl: url }));
    expect(alert.webhookStatus).toBe("pending");
    const started = Date.now();
    deliverAlertInBackground(db, alert.id, url, { backoffMs: 20 });
    expect(Date.now() - started).toBeLessThan(50);
    await settleAlertDeliveries();
    expect(received).toHaveLength(3);
    expect(received[2]).toMatchObject({ id: alert.id, kind: "validation_failed", title: "Validation failed" });
    const stored = await db.alert.findUniqueOrThrow({ where: { id: alert.id } });
    expect(stored).toMatchObject({ webhookStatus: "sent", webhookAttempts: 3 });
  });

  it("gives up after 3 attempts and records the failure", async () => {
    failuresLeft = 5;
    received.length = 0;
    const alert = await db.$transaction((tx) => createAlert(tx, input, { webhookUrl: url }));
    deliverAlertInBackground(db, alert.id, url, { backoffMs: 10 });
    await settleAlertDeliveries();
    expect(received).toHaveLength(3);
    expect(await db.alert.findUniqueOrThrow({ where: { id: alert.id } })).toMatchObject({ webhookStatus: "failed", webhookAttempts: 3 });
  });

  it("without a URL the webhook is disabled and nothing is sent", async () => {
    received.length = 0;
    const alert = await db.$transaction((tx) => createAlert(tx, input, {}));
    deliverAlertInBackground(db, alert.id, undefined);
    await settleAlertDeliveries();
    expect(received).toHaveLength(0);
    expect(alert.webhookStatus).toBe("disabled");
  });

  it("lists open alerts newest first and hides acknowledged ones", async () => {
    const open = await listOpenAlerts(db);
    expect(open.length).toBe(3);
    expect(open.map((a) => a.createdAt.getTime())).toEqual([...open.map((a) => a.createdAt.getTime())].sort((a, b) => b - a));
    await acknowledgeAlert(db, open[0]!.id);
    expect((await listOpenAlerts(db)).map((a) => a.id)).not.toContain(open[0]!.id);
  });
});
