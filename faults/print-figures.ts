// Prints the figures of the last `npm run test:faults` (faults/results/*.json) as a Markdown table.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Figure } from "./helpers";

const dir = path.join(import.meta.dirname, "results");
const order = ["checkpoint-kill", "rollback-kill", "disk-full", "connection-drop", "refuse-bad-backup", "concurrency", "fuzz"];
const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort((a, b) => order.indexOf(a.slice(0, -5)) - order.indexOf(b.slice(0, -5)));
const fmt = (ms?: number) => (ms === undefined ? "—" : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);
console.log("| scenario | outcome | time to detect | time to recover |\n|---|---|---|---|");
for (const file of files) {
  const { figures } = JSON.parse(await readFile(path.join(dir, file), "utf8")) as { figures: Figure[] };
  for (const f of figures) console.log(`| ${f.scenario} | ${f.outcome.replace(/\|/g, "\\|")} | ${fmt(f.detectMs)} | ${fmt(f.recoverMs)} |`);
}
