/**
 * The live-source re-check: after the comparison, the source's differing ranges are checksummed again
 * in a fresh snapshot. Where the source changed meanwhile, the differences there are inconclusive, not
 * failures; elsewhere they stay failures.
 */
import { buildRangeChecksumsQuery, buildRangeRowsQuery, formatChecksum } from "../canonical-sql";
import { buildHashIntervalChecksumsQuery, buildHashIntervalRowsQuery } from "../multiset-sql";
import { closeSnapshot, openSnapshot } from "./snapshot";
import {
  ABSENT,
  BATCH,
  bySegment,
  EMPTY_PART,
  fingerprint,
  HASH_INTERVALS_PER_STATEMENT,
  LEAF_ROWS,
  type HashLeaf,
  type KeyLeaf,
  type Leaf,
  type PartSum,
  type TableSearch,
} from "./table-search";

export const SOURCE_CHANGED_REASON =
  "the source changed these rows while they were compared (read again in a fresh snapshot, they differ from the comparison's snapshot); validate again once writes stop";

/**
 * In a fresh snapshot, the source's checksum of every range where a difference was found: a range
 * whose checksum changed since the comparison's snapshot was written by the source meanwhile. There,
 * the source's rows are read again and each difference whose row the source changed (or whose copies
 * it changed) becomes inconclusive; the others stay failures. A range whose differences were only
 * counted is judged whole. Answers whether the source was found written.
 */
export async function markSourceWrites(search: TableSearch): Promise<boolean> {
  const { findings, src, sourceClient } = search;
  const checked = findings.differingLeaves().map((id) => search.leaves.get(id)!);
  const keyed = checked.filter((l): l is KeyLeaf => "range" in l);
  const hashed = checked.filter((l): l is HashLeaf => "interval" in l).sort((a, b) => (a.interval.lo < b.interval.lo ? -1 : 1));
  const now = new Map<number, PartSum>();
  const written: Leaf[] = [];
  const current = new Map<number, Map<string, string>>(); // leaf → id → the source's state now
  await openSnapshot(sourceClient);
  try {
    for (let i = 0; i < keyed.length; i += BATCH) {
      const batch = keyed.slice(i, i + BATCH);
      for (const r of await search.run(sourceClient, buildRangeChecksumsQuery(src, batch.map((l) => l.range)))) now.set(batch[Number(r.seg)]!.id, { n: String(r.n), s: String(r.s) });
    }
    for (let i = 0; i < hashed.length; i += HASH_INTERVALS_PER_STATEMENT) {
      const batch = hashed.slice(i, i + HASH_INTERVALS_PER_STATEMENT);
      for (const r of await search.run(sourceClient, buildHashIntervalChecksumsQuery(src, batch.map((l) => l.interval)))) now.set(batch[Number(r.seg)]!.id, { n: String(r.n), s: String(r.s) });
    }
    for (const l of checked) {
      const p = now.get(l.id) ?? EMPTY_PART;
      if (Number(p.n) !== l.sourceCount || formatChecksum(p.s) !== l.sourceSum) written.push(l);
    }
    // Rows of the written ranges whose differences are tracked one by one: read again, in this snapshot.
    const fine = written.filter((l) => findings.identitiesOf(l.id) !== undefined && l.sourceCount <= LEAF_ROWS);
    const fineKeyed = fine.filter((l): l is KeyLeaf => "range" in l);
    const fineHashed = fine.filter((l): l is HashLeaf => "interval" in l).sort((a, b) => (a.interval.lo < b.interval.lo ? -1 : 1));
    for (let i = 0; i < fineKeyed.length; i += BATCH) {
      const batch = fineKeyed.slice(i, i + BATCH);
      const rows = await search.run(sourceClient, buildRangeRowsQuery(src, batch.map((l) => ({ range: l.range }))));
      bySegment(rows, batch.length).forEach((list, seg) => current.set(batch[seg]!.id, new Map(list.map((r) => [search.keyId(search.values(r)), fingerprint(search.values(r))]))));
    }
    for (let i = 0; i < fineHashed.length; i += HASH_INTERVALS_PER_STATEMENT) {
      const batch = fineHashed.slice(i, i + HASH_INTERVALS_PER_STATEMENT);
      const rows = await search.run(sourceClient, buildHashIntervalRowsQuery(src, batch.map((l) => l.interval)));
      bySegment(rows, batch.length).forEach((list, seg) => current.set(batch[seg]!.id, new Map(list.map((r) => [JSON.stringify(search.values(r)), String(Number(r.m))]))));
    }
  } finally {
    await closeSnapshot(sourceClient);
  }
  const whole: number[] = [];
  for (const l of written) {
    const rows = current.get(l.id);
    if (!rows) {
      whole.push(l.id);
      continue;
    }
    const gone = "range" in l ? ABSENT : "0";
    const changed = new Set((findings.identitiesOf(l.id) ?? []).filter((d) => (rows.get(d.id) ?? gone) !== d.source).map((d) => d.id));
    if (changed.size > 0) findings.markRowsInconclusive(l.id, changed);
  }
  findings.markInconclusive(whole);
  return written.length > 0;
}
