import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3StoreConfig } from "../lib/store/backup-store-config";
import { startRealStorageServer } from "./real-storage-server";

/**
 * The real Supabase Storage server's S3 protocol endpoint, for store tests. The server is started by
 * test/real-storage-server.ts with S3 credentials chosen here (start.sh takes them from the
 * environment); its endpoint is on the storage port behind the gateway, read from the gateway's
 * command line (the signature covers the path, which the gateway rewrites, so the S3 endpoint must be
 * reached directly).
 */
export interface S3TestServer {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A new empty bucket. */
  createBucket(): Promise<string>;
  /** A new empty bucket that refuses objects above `bytes` (Supabase Storage's per-bucket limit, set through its HTTP API). */
  createBucketWithSizeLimit(bytes: number): Promise<string>;
  /** A store config for `bucket` under a fresh prefix. */
  storeConfig(bucket: string, overrides?: Partial<S3StoreConfig>): S3StoreConfig;
  stop(): Promise<void>;
}

function storagePortBehindGateway(gatewayPort: string): string | undefined {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const i = args.findIndex((a) => a.endsWith("gateway.mjs"));
    if (i >= 0 && args[i + 1] === gatewayPort) return new URL(args[i + 2]!).port;
  }
  return undefined;
}

/**
 * Test files run in parallel processes, and two installs into the one shared install folder at once
 * fail: starts are taken one at a time, under a lock folder holding its owner's pid (a dead owner's
 * lock is broken).
 */
async function oneStartAtATime<T>(start: () => Promise<T>): Promise<T> {
  const lock = path.join(os.tmpdir(), "mc-real-storage-start.lock");
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(path.join(lock, "pid"), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number(await readFile(path.join(lock, "pid"), "utf8").catch(() => ""));
      let alive = true;
      try {
        if (owner > 0) process.kill(owner, 0);
      } catch {
        alive = false;
      }
      if (!alive) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another test process (pid ${owner}) holds ${lock}`);
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await start();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

function readEnvFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

function s3TestServerAt(
  endpoint: string,
  accessKeyId: string,
  secretAccessKey: string,
  api: { supabaseUrl: string; serviceRoleKey: string },
  stopServer: () => Promise<void>,
): S3TestServer {
  const region = "local";
  const admin = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    async createBucket() {
      const bucket = `mc-${randomBytes(6).toString("hex")}`;
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
      return bucket;
    },
    async createBucketWithSizeLimit(bytes) {
      const bucket = `mc-${randomBytes(6).toString("hex")}`;
      const res = await fetch(`${api.supabaseUrl}/storage/v1/bucket`, {
        method: "POST",
        headers: { authorization: `Bearer ${api.serviceRoleKey}`, apikey: api.serviceRoleKey, "content-type": "application/json" },
        body: JSON.stringify({ id: bucket, name: bucket, public: false, file_size_limit: bytes }),
      });
      if (!res.ok) throw new Error(`creating bucket ${bucket}: ${res.status} ${await res.text()}`);
      return bucket;
    },
    storeConfig: (bucket, overrides = {}) => ({
      kind: "s3",
      bucket,
      prefix: `t-${randomBytes(4).toString("hex")}/`,
      endpoint,
      region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
      ...overrides,
    }),
    async stop() {
      admin.destroy();
      await stopServer();
    },
  };
}

/**
 * Starts the server for one test file; S3_TEST_SERVER_ENV names the `env` file of one started by hand
 * with start.sh instead (it is then left running).
 */
export async function startS3TestServer(): Promise<S3TestServer | { unavailable: string }> {
  if (process.env.S3_TEST_SERVER_ENV) {
    const vars = readEnvFile(process.env.S3_TEST_SERVER_ENV);
    const api = { supabaseUrl: vars.SUPABASE_URL!, serviceRoleKey: vars.SUPABASE_SERVICE_ROLE_KEY! };
    return s3TestServerAt(vars.S3_ENDPOINT!, vars.S3_ACCESS_KEY_ID!, vars.S3_SECRET_ACCESS_KEY!, api, async () => undefined);
  }
  const accessKeyId = `mc-test-${randomBytes(4).toString("hex")}`;
  const secretAccessKey = randomBytes(32).toString("hex");
  process.env.S3_ACCESS_KEY_ID = accessKeyId;
  process.env.S3_SECRET_ACCESS_KEY = secretAccessKey;
  const server = await oneStartAtATime(startRealStorageServer);
  delete process.env.S3_ACCESS_KEY_ID;
  delete process.env.S3_SECRET_ACCESS_KEY;
  if ("unavailable" in server) return server;
  const port = storagePortBehindGateway(new URL(server.supabaseUrl).port);
  if (!port) {
    await server.stop();
    return { unavailable: "the storage port behind the real server's gateway could not be found" };
  }
  const api = { supabaseUrl: server.supabaseUrl, serviceRoleKey: server.serviceRoleKey };
  return s3TestServerAt(`http://127.0.0.1:${port}/s3`, accessKeyId, secretAccessKey, api, server.stop);
}

/**
 * A TCP relay to `target` that a test can cut: `cut()` destroys every open connection and refuses new
 * ones (the endpoint becoming unreachable mid-transfer); the port stays closed until `close()`.
 * `pause()` stops reading what clients send (a stalled network), `resume()` goes on.
 */
export async function startCuttableRelay(
  target: string,
): Promise<{ url: string; bytesRelayed(): number; pause(): void; resume(): void; cut(): void; close(): Promise<void> }> {
  const to = new URL(target);
  const sockets = new Set<net.Socket>();
  const clients = new Set<net.Socket>();
  let relayed = 0;
  let paused = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(to.port), to.hostname);
    sockets.add(client).add(upstream);
    clients.add(client);
    client.on("data", (d) => (relayed += d.length));
    client.pipe(upstream).pipe(client);
    if (paused) client.pause();
    client.on("close", () => clients.delete(client));
    const drop = () => (client.destroy(), upstream.destroy(), sockets.delete(client), sockets.delete(upstream));
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${to.pathname === "/" ? "" : to.pathname}`,
    bytesRelayed: () => relayed,
    pause() {
      paused = true;
      for (const c of clients) c.pause();
    },
    resume() {
      paused = false;
      for (const c of clients) c.resume();
    },
    cut() {
      server.close();
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

/** A local port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}
