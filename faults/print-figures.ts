// Prints the figures of the last `npm run test:faults` (faults/results/*.json) as a Markdown table.
import { readFigures } from "./summary";

const fmt = (ms?: number) => (ms === undefined ? "—" : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);
console.log("| scenario | outcome | time to detect | time to recover |\n|---|---|---|---|");
for (const f of await readFigures()) {
  console.log(`| ${f.scenario} | ${f.outcome.replace(/\|/g, "\\|")} | ${fmt(f.detectMs)} | ${fmt(f.recoverMs)} |`);
}
