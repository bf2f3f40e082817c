import { afterAll, beforeAll, describe, expect, it } from "vitest";
import net from "node:net";
import pg from "pg";
import { createScratchDatabase, withDatabase } from "../../test/pg";
import { createStorageSchema } from "../../demo/storage-server/schema";
import { validateConnectivity } from "./validate-connectivity";

let sourceUrl: string;
let targetUrl: string;
let silent: net.Server;
let silentPort: number;

beforeAll(async () => {
  sourceUrl = await createScratchDatabase("consrc");
  targetUrl = await createScratchDatabase("contgt");
  // A source that uses Storage: its database records an object.
  const source = new pg.Client(sourceUrl);
  await source.connect();
  await createStorageSchema(source);
  await source.query("INSERT INTO storage.buckets (id, name) VALUES ('avatars', 'avatars'); INSERT INTO storage.objects (bucket_id, name, metadata) VALUES ('avatars', 'a.png', '{\"size\": 1}')");
  await source.end();
  // Accepts TCP connections and never answers: a hung database.
  silent = net.createServer((socket) => socket.resume());
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  silentPort = (silent.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => silent.close(r));
});

const buckets = { listSourceBuckets: async () => [{ id: "avatars", name: "avatars" }, { id: "docs", name: "docs" }] };

describe("validateConnectivity", () => {
  it("passes when both databases answer and storage lists its buckets", async () => {
    const r = await validateConnectivity({ sourceUrl, targetUrl, storage: buckets });
    expect(r).toMatchObject({ validator: "connectivity", status: "passed", critical: false });
    expect(r.checks.map((c) => [c.name, c.status])).toEqual([
      ["source database reachable", "passed"],
      ["target database reachable", "passed"],
      ["source storage reachable", "passed"],
    ]);
    expect(r.checks[2]!.details).toEqual({ buckets: 2 });
    expect(r.checks[0]!.details).toMatchObject({ serverVersion: expect.stringMatching(/^\d+/), userTables: 2 });
  });

  it("fails an unreachable database without leaking its password, and times out a silent one", async () => {
    const refused = `postgres://migrator:s3cret-Pa55@127.0.0.1:1/app`;
    const hung = `postgres://migrator:an0ther-Pa55@127.0.0.1:${silentPort}/app`;
    const started = Date.now();
    const r = await validateConnectivity({ sourceUrl: refused, targetUrl: hung, timeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.status).toBe("failed");
    expect(r.checks.map((c) => c.status)).toEqual(["failed", "failed", "skipped"]);
    const text = JSON.stringify(r);
    expect(text).not.toContain("s3cret-Pa55");
    expect(text).not.toContain("an0ther-Pa55");
    expect(r.checks[0]!.message).toContain("127.0.0.1:1/app");
  });

  it("fails a database that does not exist on a reachable server", async () => {
    const r = await validateConnectivity({ sourceUrl, targetUrl: withDatabase(targetUrl, "no_such_db"), storage: buckets });
    expect(r.checks.map((c) => c.status)).toEqual(["passed", "failed", "passed"]);
    expect(r.checks[1]!.message).toContain('database "no_such_db" does not exist');
  });

  it("does not ask the Storage of a source that does not use it, so an unreachable one fails nothing", async () => {
    const bare = await createScratchDatabase("connostorage");
    const unreachable = {
      listSourceBuckets: async () => {
        throw new Error("Supabase Storage at http://127.0.0.1:9 is unreachable (ECONNREFUSED)");
      },
    };
    const r = await validateConnectivity({ sourceUrl: bare, targetUrl, storage: unreachable });
    expect(r.status).toBe("passed");
    expect(r.checks[2]).toMatchObject({ status: "skipped", message: "the source does not use Storage: its database has no storage.objects table; its Storage API was not asked" });
    // The same Storage is asked, and fails as could-not-run, for a source whose database holds objects.
    const used = await validateConnectivity({ sourceUrl, targetUrl, storage: unreachable });
    expect(used.checks[2]).toMatchObject({ status: "failed", details: { couldNotRun: true } });
  });

  it("fails a Storage that lists fewer buckets than the source database holds, as it answers the anon key", async () => {
    const r = await validateConnectivity({ sourceUrl, targetUrl, storage: { listSourceBuckets: async () => [] } });
    expect(r.status).toBe("failed");
    expect(r.checks[2]).toMatchObject({
      status: "failed",
      message: "source storage listed 0 of the 1 bucket(s) in the source database: SUPABASE_SERVICE_ROLE_KEY cannot see them all (is it the anon key?)",
      details: { buckets: 0, inDatabase: 1 },
    });
  });

  it("fails a storage listing error with the service key redacted", async () => {
    const key = "eyJhbGciOiJIUzI1NiJ9.service-role.signature";
    const storage = {
      listSourceBuckets: async () => {
        throw new Error(`401 from https://x.supabase.co with apikey=${key}`);
      },
    };
    const r = await validateConnectivity({ sourceUrl, targetUrl, storage, secrets: [key] });
    expect(r.checks[2]).toMatchObject({ status: "failed" });
    expect(r.checks[2]!.message).toContain("apikey=[redacted]");
    expect(JSON.stringify(r)).not.toContain(key);
  });
});
