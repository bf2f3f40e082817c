/**
 * B6: file hashing during validation. The files validator (every source object hashed through
 * supabase-js from the Storage API, every target file from disk) vs `sha256sum` over the same bytes
 * (the source's files and the target's files), as throughput. The Storage API stand-in runs as a
 * process of its own, as a real Storage server would: its work is not the validator's.
 *
 * Throughput is a steady-state figure. The freshly started stand-in is first warmed with two passes of
 * plain downloads (in this VM a process's first pass over fresh memory costs about twice the next one,
 * and the stand-in is not the product). Then both sides run once untimed over the same files (so both
 * read them from the page cache; the validator's first pass is reported beside the median, as its own
 * cold start), then at least three timed runs each, of which the median counts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { createSupabaseStorageSource } from "../lib/sources/supabase-storage";
import { validateFiles } from "../lib/validation/validate-files";
import { sharedFileHashThread } from "../lib/store/file-hash-thread";
import { withPgClients } from "../lib/sources/pg-clients";
import { compareRuns, fmtMs, runCommand, timed } from "./measure";
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
  const server = await startStorageServerProcess(env);
  try {
    return await measure(env, server.url);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      const exited = once(server.child, "exit");
      server.child.kill("SIGTERM");
      await exited;
    }
  }
}

async function measure(env: BenchEnv, storageUrl: string): Promise<BenchResult[]> {
  const target = await listFiles(env.demo.storageDir);
  // The same objects on the source side (filesDir may hold other sizes' files from earlier runs).
  const source = target.map((f) => ({ path: path.join(env.demo.filesDir, path.relative(env.demo.storageDir, f.path)), size: f.size }));
  const bytes = [...source, ...target].reduce((s, f) => s + f.size, 0);
  const paths = [...source, ...target].map((f) => f.path);
  const storage = createSupabaseStorageSource({ url: storageUrl, serviceRoleKey: env.demo.env.SUPABASE_SERVICE_ROLE_KEY! });
  let status = "";
  const baseline = async () => {
    for (let i = 0; i < paths.length; i += 500) await runCommand("sha256sum", ["--", ...paths.slice(i, i + 500)]);
  };
  const ours = async () => {
    const report = await withPgClients([env.demo.databases.sourceUrl], ([sourceClient]) => validateFiles({ storage, sourceClient: sourceClient!, storageDir: env.demo.storageDir }));
    status = report.status;
    if (report.status !== "passed") throw new Error(`files validation did not pass: ${JSON.stringify(report.checks.filter((c) => c.status !== "passed")).slice(0, 500)}`);
  };
  // The stand-in is not the product, and a freshly started one serves its first pass about twice as
  // slowly (its own memory and connections): it is warmed with plain downloads first, so that the
  // validator's first pass below shows the product's own cold start.
  const names = target.map((f) => path.relative(env.demo.storageDir, f.path).split(path.sep));
  const standInWarmUp = await timed(() => downloadAll(storageUrl, env.demo.env.SUPABASE_SERVICE_ROLE_KEY!, names, 16));
  await downloadAll(storageUrl, env.demo.env.SUPABASE_SERVICE_ROLE_KEY!, names, 16);
  const firstPass = await compareRuns(1, baseline, ours);
  const r = await compareRuns(Math.max(3, env.options.reps), baseline, ours);
  const mbps = (ms: number) => bytes / 2 ** 20 / (ms / 1000);
  const ratio = mbps(r.oursMs) / mbps(r.baselineMs);
  // Where the time goes: the product's hashing of files on disk alone, against sha256sum on the same files.
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
  // The floor set by the transfer itself: the source objects downloaded with plain node:http (no
  // supabase-js, no hashing, bodies dropped), 16 at once, against sha256sum over all the bytes above.
  const sourceBytes = source.reduce((s2, f) => s2 + f.size, 0);
  const d = await compareRuns(Math.max(3, env.options.reps), baseline, () => downloadAll(storageUrl, env.demo.env.SUPABASE_SERVICE_ROLE_KEY!, names, 16));
  const dRatio = d.baselineMs / d.oursMs;
  const tput = (ms: number) => targetBytes / 2 ** 20 / (ms / 1000);
  const hRatio = tput(h.oursMs) / tput(h.baselineMs);
  return [{
    id: "B6",
    what: `file hashing during validation: ${source.length} source objects (via supabase-js) + ${target.length} target files, ${(bytes / 2 ** 20).toFixed(1)} MB`,
    ours: `${mbps(r.oursMs).toFixed(0)} MB/s (${fmtMs(r.oursMs)}, median of ${r.oursAll.length}, validator ${status}; its first, untimed pass ${fmtMs(firstPass.oursMs)})`,
    baseline: `sha256sum: ${mbps(r.baselineMs).toFixed(0)} MB/s (${fmtMs(r.baselineMs)}; first untimed pass ${fmtMs(firstPass.baselineMs)})`,
    ratio,
    ratioLabel: `${ratio.toFixed(2)}× its throughput`,
    goal: "≥ 0.8× its throughput",
    met: ratio >= 0.8,
    details: { bytes, sourceFiles: source.length, targetFiles: target.length, oursMs: r.oursAll, baselineMs: r.baselineAll, firstPass: { oursMs: firstPass.oursMs, baselineMs: firstPass.baselineMs }, standInFirstDownloadMs: standInWarmUp.ms },
  }, {
    id: "B6b",
    what: `(diagnosis) sha256 of the ${target.length} target files on disk alone, as the validator hashes them (lib/store/file-hash-thread, 64 asked for at a time)`,
    ours: `${tput(h.oursMs).toFixed(0)} MB/s (${fmtMs(h.oursMs)})`,
    baseline: `sha256sum: ${tput(h.baselineMs).toFixed(0)} MB/s (${fmtMs(h.baselineMs)})`,
    ratio: hRatio,
    ratioLabel: `${hRatio.toFixed(2)}× its throughput`,
    goal: "—",
    met: null,
    details: { bytes: targetBytes, oursMs: h.oursAll, baselineMs: h.baselineAll },
  }, {
    id: "B6c",
    what: `(diagnosis) transfer alone: the ${source.length} source objects (${(sourceBytes / 2 ** 20).toFixed(1)} MB) downloaded with plain node:http, 16 at once, not hashed, against sha256sum over all ${(bytes / 2 ** 20).toFixed(1)} MB as in B6`,
    ours: fmtMs(d.oursMs),
    baseline: `sha256sum: ${fmtMs(d.baselineMs)}`,
    ratio: dRatio,
    ratioLabel: `${dRatio.toFixed(2)}× (B6's ceiling on this machine, before any hashing or target file)`,
    goal: "—",
    met: null,
    details: { sourceBytes, oursMs: d.oursAll, baselineMs: d.baselineAll },
  }];
}

/** GETs every object (`[bucket, ...key]`) from the Storage API, `concurrency` at a time, discarding the bodies. */
async function downloadAll(storageUrl: string, key: string, objects: string[][], concurrency: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const headers = { authorization: `Bearer ${key}`, apikey: key };
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < objects.length) {
          const url = `${storageUrl}/storage/v1/object/${objects[next++]!.map(encodeURIComponent).join("/")}`;
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
