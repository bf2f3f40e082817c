/**
 * B8: how B2 (checksums) and B3 (locating changes) grow with the table: at rows/10, rows and 3×rows.
 * Time should grow no worse than linearly, B3's round trips with log(rows), memory not at all.
 */
import type { SizePoint } from "./b3-locate-changes";
import { fmtMs } from "./measure";
import type { BenchResult } from "./report";

export function scalingResult(points: SizePoint[]): BenchResult {
  const [small, , large] = [...points].sort((a, b) => a.rows - b.rows);
  const growth = large!.rows / small!.rows;
  // Time per row at the largest size relative to the smallest: ≤ 1.5 allows for noise on a small machine.
  const perRow = (ms: number, rows: number) => ms / rows;
  const checksumGrowth = perRow(large!.checksums.oursMs, large!.rows) / perRow(small!.checksums.oursMs, small!.rows);
  const diffGrowth = perRow(large!.diff.oursMs, large!.rows) / perRow(small!.diff.oursMs, small!.rows);
  const tripsGrowth = large!.diff.roundTrips / small!.diff.roundTrips;
  const rssGrowth = large!.worker.maxRssKb / small!.worker.maxRssKb;
  const backendGrowth = (large!.checksums.oursPeakKb + 1024) / (small!.checksums.oursPeakKb + 1024);
  const line = (p: SizePoint) =>
    `${p.rows}: B2 ${fmtMs(p.checksums.oursMs)} (baseline ${fmtMs(p.checksums.baselineMs)}, backends +${(p.checksums.oursPeakKb / 1024).toFixed(0)} vs +${(p.checksums.baselinePeakKb / 1024).toFixed(0)} MB); ` +
    `B3 ${fmtMs(p.diff.oursMs)}, ${p.diff.roundTrips} trips (baseline ${fmtMs(p.diff.baselineMs)}); worker ${(p.worker.maxRssKb / 1024).toFixed(0)} MB`;
  return {
    id: "B8",
    what: `scaling of B2 and B3 over ${points.map((p) => p.rows).join(", ")} rows (×${growth.toFixed(0)})`,
    ours: points.map(line).join(" · "),
    baseline: "—",
    ratio: Math.max(checksumGrowth, diffGrowth),
    ratioLabel: `time/row ×${checksumGrowth.toFixed(2)} (B2), ×${diffGrowth.toFixed(2)} (B3); trips ×${tripsGrowth.toFixed(2)}; worker RSS ×${rssGrowth.toFixed(2)}`,
    goal: "time/row ≤ 1.5× from smallest to largest; B3 round trips ≤ 2× for ×30 rows; worker RSS ≤ 1.25×",
    met: checksumGrowth <= 1.5 && diffGrowth <= 1.5 && tripsGrowth <= 2 && rssGrowth <= 1.25,
    details: { points, checksumGrowth, diffGrowth, tripsGrowth, rssGrowth, backendGrowth },
  };
}
