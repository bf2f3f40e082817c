/**
 * B2: content checksums of every mapped table on both sides (ours: sum of per-row hashes inside
 * PostgreSQL, one row back) vs per table `md5(string_agg(row::text ORDER BY pk))`, which builds the
 * whole table's text inside a backend. Time, and the backends' private memory at peak.
 */
import pg from "pg";
import { quoteIdent, quoteTable, type QualifiedTable } from "../lib/validation/canonical-sql";
import { resolveTableMappings, sourceSide, targetSide, type ResolvedTableMapping } from "../lib/validation/mapping";
import { computeChecksumsForMappings } from "../lib/validation/table-checksum";
import { loadMappingOrDefault } from "../lib/checkpoints/load-mapping";
import { backendPid, fmtMs, median, timed, withBackendMemory } from "./measure";
import { type BenchResult } from "./report";
import type { BenchEnv } from "./setup";

export interface ChecksumComparison {
  oursMs: number;
  baselineMs: number;
  oursPeakKb: number;
  baselinePeakKb: number;
  oursAll: number[];
  baselineAll: number[];
}

/** The baseline's statement for one side of one table. */
export function stringAggChecksumSql(table: QualifiedTable, key: readonly string[]): string {
  const order = key.length ? key.map((k) => `t.${quoteIdent(k)}`).join(", ") : "t::text";
  return `SELECT count(*) AS n, md5(string_agg(t::text, E'\\n' ORDER BY ${order})) AS h FROM ${quoteTable(table)} AS t`;
}

/** Ours vs the baseline over `mappings`, each on fresh connections (so memory starts clean), `reps` times. */
export async function compareChecksums(sourceUrl: string, targetUrl: string, mappings: ResolvedTableMapping[], reps: number): Promise<ChecksumComparison> {
  const ours: number[] = [];
  const base: number[] = [];
  let oursPeakKb = 0;
  let baselinePeakKb = 0;
  const withPair = async (fn: (s: pg.Client, t: pg.Client) => Promise<void>) => {
    const s = new pg.Client(sourceUrl);
    const t = new pg.Client(targetUrl);
    await Promise.all([s.connect(), t.connect()]);
    try {
      const pids = [await backendPid(s), await backendPid(t)];
      const run = await withBackendMemory(pids, () => timed(() => fn(s, t)));
      return { ms: run.value.ms, peakKb: run.peakKb };
    } finally {
      await Promise.all([s.end(), t.end()]);
    }
  };
  for (let i = 0; i < reps; i++) {
    const b = await withPair(async (s, t) => {
      for (const m of mappings) {
        await Promise.all([
          s.query(stringAggChecksumSql(m.source, sourceSide(m).key.map((k) => k.name))),
          t.query(stringAggChecksumSql(m.target, targetSide(m).key.map((k) => k.name))),
        ]);
      }
    });
    base.push(b.ms);
    baselinePeakKb = Math.max(baselinePeakKb, b.peakKb);
    const o = await withPair(async (s, t) => {
      const results = await computeChecksumsForMappings(s, t, mappings);
      if (results.length !== mappings.length) throw new Error("checksums missing");
    });
    ours.push(o.ms);
    oursPeakKb = Math.max(oursPeakKb, o.peakKb);
  }
  return { oursMs: median(ours), baselineMs: median(base), oursPeakKb, baselinePeakKb, oursAll: ours, baselineAll: base };
}

export async function resolveDemoMappings(env: BenchEnv): Promise<ResolvedTableMapping[]> {
  const mapping = await loadMappingOrDefault(env.ctx.mappingFile);
  const s = new pg.Client(env.demo.databases.sourceUrl);
  const t = new pg.Client(env.demo.databases.targetUrl);
  await Promise.all([s.connect(), t.connect()]);
  try {
    return (await resolveTableMappings(s, t, mapping)).tables;
  } finally {
    await Promise.all([s.end(), t.end()]);
  }
}

export async function benchTableChecksums(env: BenchEnv): Promise<BenchResult> {
  const mappings = await resolveDemoMappings(env);
  const c = await compareChecksums(env.demo.databases.sourceUrl, env.demo.databases.targetUrl, mappings, env.options.reps);
  const speedup = c.baselineMs / c.oursMs;
  return {
    id: "B2",
    what: `content checksums of ${mappings.length} mapped tables, source and target (${env.dataset.appRowsTotal} app rows)`,
    ours: `${fmtMs(c.oursMs)}, backends +${(c.oursPeakKb / 1024).toFixed(1)} MB`,
    baseline: `md5(string_agg(row::text ORDER BY pk)): ${fmtMs(c.baselineMs)}, backends +${(c.baselinePeakKb / 1024).toFixed(1)} MB`,
    ratio: speedup,
    ratioLabel: `${speedup.toFixed(2)}× faster`,
    goal: "≥ 2× faster, memory flat (see B8)",
    met: speedup >= 2,
    details: { tables: mappings.map((m) => `${m.source.schema}.${m.source.table}`), ...c },
  };
}
