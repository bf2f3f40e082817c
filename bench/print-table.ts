// Prints the Markdown table of a benchmark run from its JSON (default bench/results/latest.json).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { markdownTable, type BenchResult } from "./report";

const file = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, "results", "latest.json"));
const run = JSON.parse(await readFile(file, "utf8")) as { ranAt: string; command: string; durationMs: number; machine: { cpus: number; memoryGb: number; node: string }; dataset: { appRowsTotal: number; users: number; files: number; fileBytes: number }; results: BenchResult[] };
const d = run.dataset;
console.log(`\`${run.command}\` on ${run.ranAt.slice(0, 10)}: ${d.appRowsTotal} app rows, ${d.users} users, ${d.files} files (${(d.fileBytes / 2 ** 20).toFixed(0)} MB); ${run.machine.cpus} CPUs, ${run.machine.memoryGb} GB, Node ${run.machine.node}; ${(run.durationMs / 60000).toFixed(1)} min in all.\n`);
console.log(markdownTable(run.results));
