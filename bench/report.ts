/** The shape of a benchmark's figures, and the Markdown table printed to stdout and put in the README. */

export interface BenchResult {
  id: string;
  what: string;
  /** How ours measured, in words (e.g. "8.2 s"). */
  ours: string;
  baseline: string;
  /** Ours relative to the baseline, as the goal is stated (time ratio, throughput ratio, byte share…). */
  ratio: number | null;
  ratioLabel: string;
  goal: string;
  /** null when there is no goal to check (or the run was too small to say). */
  met: boolean | null;
  /** Raw numbers behind the line (milliseconds, bytes, KiB, round trips). */
  details: Record<string, unknown>;
}

export function markdownTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) =>
    [r.id, r.what, r.ours, r.baseline, r.ratioLabel, r.goal, r.met === null ? "—" : r.met ? "yes" : "**no**"].map(cell).join(" | "),
  );
  return [
    "| id | what | ours | baseline (same run) | ratio | goal | met |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r} |`),
  ].join("\n");
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export const x = (ratio: number) => `${ratio.toFixed(2)}×`;
