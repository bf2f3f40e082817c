/**
 * B6: file hashing during validation, against the real Supabase Storage server. The files validator
 * (every source object listed through supabase-js, downloaded and hashed as it streams, every
 * target file hashed from disk) against a plain parallel download of the same objects from the same
 * server (node:http, 16 at once, bodies dropped, nothing hashed): the goal is that hashing and
 * comparing add at most 10% to the transfer (≥ 0.9×). The real server is storage-api v1.70.6 from
 * ../shared/real-supabase (test/real-storage-server.ts), loaded with the bench's objects through its
 * API; it costs 4–5× more per request than the stand-in. The same comparison on the stand-in (as its
 * own process) is reported beside it, labelled, and is no promise to users.
 *
 * Both servers are first warmed with one pass of plain downloads (a freshly started server serves its
 * first pass more slowly, and the server is not the product). Then both sides run once untimed, then
 * at least three timed runs each (five on the real server), interleaved, of which the median counts;
 * each pair's own ratio is kept beside it (pairRatios), as the machine's load may change meanwhile.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { readFile } from "node:fs/promises";
import { createServiceClient, createSupabaseStorageSource, encodeKey } from "../lib/sources/supabase-storage";
import { startRealStorageServer, type RealStorageServer } from "../test/real-storage-server";
import { validateFiles } from "../lib/validation/validate-files";
import { sharedFileHashThread } from "../lib/store/file-hash-thread";
import { withPgClients } from "../lib/sources/pg-clients";
import { compareRuns, fmtMs, median, runCommand, timed } from "./measure";
import type { BenchResult } from "./report";
import { listFiles, type BenchEnv } from "./setup";

/** The Storage API stand-in over the demo's source, in a child process; resolves once it listens. */
async function startStorageServerProcess(env: BenchEnv): Promise<{ url: string; child: ChildProcess }> {
  const entry = path.resolve(import.meta.dirname, "../demo/storage-server-main.ts");
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: {
      ...process.env,
      STORAGE_DATABASE_URL: env.demo.databases.sourceUrl,
      STORAGE_FILES_DIR: env.demo.filesDir,
      STORAGE_SERVICE_ROLE_KEY: env.demo.env.SUPABASE_SERVICE_ROLE_KEY!,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`the Storage API stand-in exited with ${code} before listening`);
  });
  const listening = (async () => {
    for await (const line of createInterface({ input: child.stdout! })) {
      if (line.startsWith("{")) return (JSON.parse(line) as { url: string }).url;
    }
    throw new Error("the Storage API stand-in closed its output before listening");
  })();
  // Whichever loses the race below is settled later; a later exit is seen by the requests that fail.
  exited.catch(() => undefined);
  listening.catch(() => undefined);
  try {
    return { url: await Promise.race([listening, exited]), child };
  } catch (e) {
    child.kill();
    throw e;
  }
}

export async function benchFileHashing(env: BenchEnv): Promise<BenchResult[]> {
  const objects = await sourceObjects(env);
  const results: BenchResult[] = [];
  const real = await startRealStorageServer();
  if ("unavailable" in real) {
    results.push({ id: "B6", what: "file hashing during validation, against the real Storage server", ours: "could not run", baseline: "—", ratio: null, ratioLabel: "—", goal: "≥ 0.9× the plain download's throughput", met: null, details: { unavailable: real.unavailable } });
  } else {
    try {
      const load = await timed(() => loadRealServer(real, env, objects));
      results.push(await compareWithDownload(env, objects, { id: "B6", label: "the real Storage server (storage-api v1.70.6)", url: real.supabaseUrl, key: real.serviceRoleKey, databaseUrl: real.databaseUrl, goal: true, extra: { loadMs: Math.round(load.ms) } }));
    } finally {
      await real.stop();
    }
  }
  const standIn = await startStorageServerProcess(env);
  try {
    results.push(await compareWithDownload(env, objects, { id: "B6s", label: "the stand-in Storage server (demo/storage-server.ts; not a real one, about 4–5× cheaper per request)", url: standIn.url, key: env.demo.env.SUPABASE_SERVICE_ROLE_KEY!, databaseUrl: env.demo.databases.sourceUrl, goal: false, extra: {} }));
  } finally {
    if (standIn.child.exitCode === null && standIn.child.signalCode === null) {
      const exited = once(standIn.child, "exit");
      standIn.child.kill("SIGTERM");
      await exited;
    }
  }
  results.push(await diskHashing(env));
  return results;
}

interface BenchObject {
  bucket: string;
  name: string;
  public: boolean;
  mimetype: string;
  size: number;
}

/** The demo source's objects, as its storage.objects lists them. */
async function sourceObjects(env: BenchEnv): Promise<BenchObject[]> {
  return withPgClients([env.demo.databases.sourceUrl], async ([c]) => {
    const { rows } = await c!.query<{ bucket: string; name: string; public: boolean; mimetype: string | null; size: string | null }>(
      `select o.bucket_id as bucket, o.name, b.public, o.metadata->>'mimetype' as mimetype, o.metadata->>'size' as size
         from storage.objects o join storage.buckets b on b.id = o.bucket_id order by 1, 2`,
    );
    return rows.map((r) => ({ bucket: r.bucket, name: r.name, public: r.public, mimetype: r.mimetype ?? "application/octet-stream", size: Number(r.size ?? 0) }));
  });
}

/** Creates the buckets and uploads every object (bytes from the demo's source files) through the server's API, 16 at once. */
async function loadRealServer(real: RealStorageServer, env: BenchEnv, objects: BenchObject[]) {
  const storage = createServiceClient({ url: real.supabaseUrl, serviceRoleKey: real.serviceRoleKey }).storage;
  for (const [bucket, isPublic] of new Map(objects.map((o) => [o.bucket, o.public]))) {
    const { error } = await storage.createBucket(bucket, { public: isPublic });
    if (error) throw error;
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < objects.length) {
        const o = objects[next++]!;
        const bytes = await readFile(path.join(env.demo.filesDir, o.bucket, ...o.name.split("/")));
        const { error } = await storage.from(o.bucket).upload(encodeKey(o.name), bytes, { contentType: o.mimetype });
        if (error) throw new Error(`upload of ${o.bucket}/${o.name} to the real Storage server: ${error.message}`);
      }
    }),
  );
}

interface ServerUnderTest {
  id: string;
  label: string;
  url: string;
  key: string;
  /** The server's own database (storage.objects), which the validator's listing is checked against. */
  databaseUrl: string;
  goal: boolean;
  extra: Record<string, unknown>;
}

async function compareWithDownload(env: BenchEnv, objects: BenchObject[], server: ServerUnderTest): Promise<BenchResult> {
  const storage = createSupabaseStorageSource({ url: server.url, serviceRoleKey: server.key });
  const names = objects.map((o) => [o.bucket, ...o.name.split("/")]);
  const sourceBytes = objects.reduce((s, o) => s + o.size, 0);
  let status = "";
  const download = () => downloadAll(server.url, server.key, names, 16);
  const ours = async () => {
    const report = await withPgClients([server.databaseUrl], ([sourceClient]) => validateFiles({ storage, sourceClient: sourceClient!, storageDir: env.demo.storageDir }));
    status = report.status;
    if (report.status !== "passed") throw new Error(`files validation did not pass on ${server.label}: ${JSON.stringify(report.checks.filter((c) => c.status !== "passed")).slice(0, 500)}`);
  };
  // This process's CPU time (all its threads) in each timed run: on a machine whose cores the server
  // shares, what the client spends is time the server does not get.
  const cpu = { ours: [] as number[], baseline: [] as number[] };
  const withCpu = (into: number[], fn: () => Promise<void>) => async () => {
    const before = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(before);
    into.push(Math.round((used.user + used.system) / 1000));
  };
  const warmUp = await timed(download);
  const firstPass = await compareRuns(1, download, ours);
  // The real server's figures vary most on a shared machine: more pairs there.
  const r = await compareRuns(Math.max(server.goal ? 5 : 3, env.options.reps), withCpu(cpu.baseline, download), withCpu(cpu.ours, ours));
  // Each pair ran back to back: its own ratio is least moved by load that changes during the run.
  const pairRatios = r.baselineAll.map((b, i) => Number((b / r.oursAll[i]!).toFixed(3)));
  const mbps = (ms: number) => sourceBytes / 2 ** 20 / (ms / 1000);
  // Throughput over the source's bytes on both sides: the download's time over the validator's.
  const ratio = r.baselineMs / r.oursMs;
  return {
    id: server.id,
    what: `file hashing during validation on ${server.label}: ${objects.length} objects (${(sourceBytes / 2 ** 20).toFixed(1)} MB) downloaded (the request supabase-js sends) and hashed, each beside its target file hashed from disk`,
    ours: `${mbps(r.oursMs).toFixed(0)} MB/s (${fmtMs(r.oursMs)}, median of ${r.oursAll.length}, validator ${status}; first untimed pass ${fmtMs(firstPass.oursMs)})`,
    baseline: `plain download of the same objects, 16 at once, not hashed: ${mbps(r.baselineMs).toFixed(0)} MB/s (${fmtMs(r.baselineMs)}; first untimed pass ${fmtMs(firstPass.baselineMs)})`,
    ratio,
    ratioLabel: `${ratio.toFixed(2)}× its throughput`,
    goal: server.goal ? "≥ 0.9× its throughput" : "— (stand-in)",
    met: server.goal ? ratio >= 0.9 : null,
    details: { sourceBytes, objects: objects.length, oursMs: r.oursAll, baselineMs: r.baselineAll, pairRatios, medianPairRatio: median(pairRatios), clientCpuMs: cpu, firstPass: { oursMs: firstPass.oursMs, baselineMs: firstPass.baselineMs }, warmUpDownloadMs: Math.round(warmUp.ms), ...server.extra },
  };
}

/** (diagnosis) The product's hashing of the target files on disk alone, against sha256sum on the same files. */
async function diskHashing(env: BenchEnv): Promise<BenchResult> {
  const target = await listFiles(env.demo.storageDir);
  const targetBytes = target.reduce((s, f) => s + f.size, 0);
  const h = await compareRuns(
    Math.max(3, env.options.reps),
    async () => {
      for (let i = 0; i < target.length; i += 500) await runCommand("sha256sum", ["--", ...target.slice(i, i + 500).map((f) => f.path)]);
    },
    async () => {
      // As the validator asks: 64 files at a time, on the process's hashing thread.
      const thread = sharedFileHashThread();
      for (let i = 0; i < target.length; i += 64) {
        const opened = await Promise.all(target.slice(i, i + 64).map((f) => thread.open(f.path)));
        await Promise.all(opened.map((o) => o!.sha256));
      }
    },
  );
  const tput = (ms: number) => targetBytes / 2 ** 20 / (ms / 1000);
  const hRatio = tput(h.oursMs) / tput(h.baselineMs);
  return {
    id: "B6b",
    what: `(diagnosis) sha256 of the ${target.length} target files on disk alone, as the validator hashes them (lib/store/file-hash-thread, 64 asked for at a time)`,
    ours: `${tput(h.oursMs).toFixed(0)} MB/s (${fmtMs(h.oursMs)})`,
    baseline: `sha256sum: ${tput(h.baselineMs).toFixed(0)} MB/s (${fmtMs(h.baselineMs)})`,
    ratio: hRatio,
    ratioLabel: `${hRatio.toFixed(2)}× its throughput`,
    goal: "—",
    met: null,
    details: { bytes: targetBytes, oursMs: h.oursAll, baselineMs: h.baselineAll },
  };
}

/** GETs every object (`[bucket, ...key]`) from the Storage API, `concurrency` at a time, discarding the bodies. */
export async function downloadAll(storageUrl: string, key: string, objects: string[][], concurrency: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const headers = { authorization: `Bearer ${key}`, apikey: key };
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < objects.length) {
          const [bucket, ...key] = objects[next++]!;
          const url = `${storageUrl}/storage/v1/object/${encodeURIComponent(bucket!)}/${encodeKey(key.join("/"))}`;
          await new Promise<void>((resolve, reject) => {
            http
              .get(url, { agent, headers }, (res) => {
                if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
                res.on("data", () => undefined).on("end", resolve).on("error", reject);
              })
              .on("error", reject);
          });
        }
      }),
    );
  } finally {
    agent.destroy();
  }
}
