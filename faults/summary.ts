/**
 * The fault suite's one summary line, from Vitest's JSON report of the run and the figures the test
 * files wrote (faults/results/*.json): faults injected, survived, bad inputs tried, 5xx seen, and
 * scenarios that failed their check, counted as possible data loss (must be 0).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Figure } from "./helpers";

interface VitestReport {
  testResults?: { name: string; assertionResults?: { status: string }[] }[];
}

export interface FaultSummary {
  injected: number;
  survived: number;
  badInputs: number;
  serverErrors: number;
  failed: number;
}

export function summarizeFaults(report: VitestReport, figures: readonly Figure[]): FaultSummary {
  const scenarios = (report.testResults ?? [])
    .filter((f) => !path.basename(f.name).startsWith("fuzz"))
    .flatMap((f) => f.assertionResults ?? []);
  const fuzz = (report.testResults ?? []).filter((f) => path.basename(f.name).startsWith("fuzz")).flatMap((f) => f.assertionResults ?? []);
  const failed = [...scenarios, ...fuzz].filter((t) => t.status === "failed").length;
  return {
    injected: scenarios.length,
    survived: scenarios.filter((t) => t.status === "passed").length,
    badInputs: figures.reduce((n, f) => n + (f.badInputs ?? 0), 0),
    serverErrors: figures.reduce((n, f) => n + (f.serverErrors ?? 0), 0),
    failed,
  };
}

export function formatFaultSummary(s: FaultSummary): string {
  return `Fault injection: ${s.injected} faults injected, ${s.survived} survived; ${s.badInputs} bad inputs tried, ${s.serverErrors} 5xx seen; ${s.failed} scenario(s) failed their check (possible data loss; must be 0)`;
}

/** The order the README's table lists the scenario files in; others follow. */
const FILE_ORDER = ["checkpoint-kill", "rollback-kill", "s3-kill", "disk-full", "connection-drop", "refuse-bad-backup", "concurrency", "fuzz"];

/** Every figure of the last run (faults/results/*.json), file by file in FILE_ORDER. */
export async function readFigures(dir = path.join(import.meta.dirname, "results")): Promise<Figure[]> {
  const rank = (file: string) => {
    const i = FILE_ORDER.indexOf(file.slice(0, -".json".length));
    return i === -1 ? FILE_ORDER.length : i;
  };
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".json")).sort((a, b) => rank(a) - rank(b));
  const all: Figure[] = [];
  for (const f of files) all.push(...((JSON.parse(await readFile(path.join(dir, f), "utf8")) as { figures: Figure[] }).figures ?? []));
  return all;
}
