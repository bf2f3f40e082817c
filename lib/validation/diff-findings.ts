/**
 * What a table diff found, gathered as the differing ranges are compared: exact counts over every
 * differing row (per kind and per column), and a capped set of sample rows chosen so that a rare
 * difference is shown beside a systematic one (a few samples per differing column and per kind, and
 * always at least one of each). Memory is bounded by the number of differing ranges and the samples.
 * Pure: no I/O.
 */

/** Key values (keyed tables) or the whole row (tables compared as a multiset), by source column name, as canonical text. */
export type RowKey = Record<string, string | null>;

/** How many copies of a row each side holds (always 1 and 0 for a keyed table). */
export interface Copies {
  source: number;
  target: number;
}

export interface ChangedRow {
  key: RowKey;
  /** Canonical text of each differing column (null for SQL NULL); `column` is the source name. */
  columns: Array<{ column: string; source: string | null; target: string | null }>;
}

export type DifferenceKind = "missing" | "extra" | "changed";

export interface ColumnDifference {
  column: string;
  /** Rows where this column differs (failures only; see `inconclusiveRows`). */
  rows: number;
  /** Rows where it differs but the source changed them during the comparison. */
  inconclusiveRows: number;
  /** It differs in every row present on both sides: most likely a systematic difference (a type, a setting, a transformation). */
  systematic: boolean;
}

export interface InconclusiveRow {
  kind: DifferenceKind;
  /** Key (keyed) or row values (multiset). */
  key: RowKey;
  copies?: Copies;
  columns?: ChangedRow["columns"];
}

export interface FindingsSummary {
  /** Rows (copies, for a multiset) that differ, by kind; inconclusive rows are not included. */
  counts: Record<DifferenceKind, number>;
  columns: ColumnDifference[];
  missing: RowKey[];
  extra: RowKey[];
  copies: { missing: Copies[]; extra: Copies[] };
  changed: ChangedRow[];
  /** More failing differences exist than samples are listed. */
  truncated: boolean;
  inconclusive?: { counts: Record<DifferenceKind, number>; rows: InconclusiveRow[] };
}

/**
 * What identifies a difference again in a fresh snapshot: `id` (the key, or the canonical row) and the
 * source's state of it when compared (`source`: a fingerprint of the row, its copies, or "absent").
 */
export interface DifferenceIdentity {
  id: string;
  source: string;
}

interface Entry extends DifferenceIdentity {
  kind: DifferenceKind;
  rows: number;
  columns: readonly string[];
}

interface Sample {
  kind: DifferenceKind;
  leaf: number;
  id?: string;
  order: readonly number[];
  key: RowKey;
  copies: Copies;
  columns?: ChangedRow["columns"];
}

interface LeafTally {
  counts: Record<DifferenceKind, number>;
  columns: Map<string, number>;
}

const zero = (): Record<DifferenceKind, number> => ({ missing: 0, extra: 0, changed: 0 });

export class DiffFindings {
  private readonly counts = zero();
  private readonly columnRows = new Map<string, number>();
  private readonly inconclusiveCounts = zero();
  private readonly inconclusiveColumns = new Map<string, number>();
  private readonly leaves = new Map<number, LeafTally>();
  private samples: Sample[] = [];
  private inconclusiveSamples: Sample[] = [];
  private readonly perGroup = new Map<string, number>();
  /** Identities of the differences of each leaf, for telling row by row what the source changed. */
  private readonly tracked = new Map<number, Entry[]>();
  private trackedCount = 0;
  /** Leaves with differences not tracked one by one (rows only counted, or too many): judged whole. */
  private readonly coarse = new Set<number>();

  constructor(private readonly limits: { maxSamples: number; samplesPerGroup: number; maxTracked?: number }) {}

  /** Whether any difference was recorded. */
  get any(): boolean {
    return this.leaves.size > 0;
  }

  /** How many more samples of a kind would be kept (for fetching no more rows than can be shown). */
  room(kind: "missing" | "extra"): number {
    const taken = this.perGroup.get(kind) ?? 0;
    if (taken === 0) return Math.max(1, this.totalRoom());
    return Math.max(0, Math.min(this.limits.samplesPerGroup - taken, this.totalRoom()));
  }

  /** A row one side holds more copies of (`missing`: more in the source). */
  addRow(leaf: number, order: readonly number[], kind: "missing" | "extra", key: RowKey, copies: Copies, identity?: DifferenceIdentity): void {
    const rows = Math.abs(copies.source - copies.target);
    this.tally(leaf, kind, rows, []);
    this.track(leaf, identity, kind, rows, []);
    this.offer({ kind, leaf, id: identity?.id, order, key, copies }, [kind]);
  }

  /** Rows of a range known to differ only by count (not fetched: no room for more samples). */
  addUnsampled(leaf: number, kind: "missing" | "extra", rows: number): void {
    if (rows <= 0) return;
    this.tally(leaf, kind, rows, []);
    this.coarse.add(leaf);
  }

  addChanged(leaf: number, order: readonly number[], row: ChangedRow, identity?: DifferenceIdentity): void {
    const names = row.columns.map((c) => c.column);
    this.tally(leaf, "changed", 1, names);
    this.track(leaf, identity, "changed", 1, names);
    this.offer({ kind: "changed", leaf, id: identity?.id, order, key: row.key, copies: { source: 1, target: 1 }, columns: row.columns }, names.map((n) => `column:${n}`));
  }

  /** The identities of a leaf's differences; undefined when they were not all tracked (judge the leaf whole). */
  identitiesOf(leaf: number): readonly DifferenceIdentity[] | undefined {
    return this.coarse.has(leaf) ? undefined : (this.tracked.get(leaf) ?? []);
  }

  /** The differences of `leaf` with these ids become inconclusive (the source changed those rows meanwhile). */
  markRowsInconclusive(leaf: number, ids: ReadonlySet<string>): void {
    const entries = this.tracked.get(leaf) ?? [];
    const t = this.leaves.get(leaf);
    for (const e of entries) {
      if (!ids.has(e.id)) continue;
      this.counts[e.kind] -= e.rows;
      this.inconclusiveCounts[e.kind] += e.rows;
      if (t) t.counts[e.kind] -= e.rows;
      for (const c of e.columns) {
        this.columnRows.set(c, (this.columnRows.get(c) ?? 0) - 1);
        this.inconclusiveColumns.set(c, (this.inconclusiveColumns.get(c) ?? 0) + 1);
        if (t) t.columns.set(c, (t.columns.get(c) ?? 0) - 1);
      }
    }
    const moved = (s: Sample) => s.leaf === leaf && s.id !== undefined && ids.has(s.id);
    this.inconclusiveSamples.push(...this.samples.filter(moved));
    this.samples = this.samples.filter((s) => !moved(s));
  }

  /** Leaves that recorded a difference. */
  differingLeaves(): number[] {
    return [...this.leaves.keys()];
  }

  /** The differences of these leaves become inconclusive (the source changed there during the comparison). */
  markInconclusive(leaves: Iterable<number>): void {
    const marked = new Set(leaves);
    for (const leaf of marked) {
      const t = this.leaves.get(leaf);
      if (!t) continue;
      for (const k of ["missing", "extra", "changed"] as const) {
        this.counts[k] -= t.counts[k];
        this.inconclusiveCounts[k] += t.counts[k];
      }
      for (const [c, n] of t.columns) {
        this.columnRows.set(c, (this.columnRows.get(c) ?? 0) - n);
        this.inconclusiveColumns.set(c, (this.inconclusiveColumns.get(c) ?? 0) + n);
      }
    }
    this.inconclusiveSamples.push(...this.samples.filter((s) => marked.has(s.leaf)));
    this.samples = this.samples.filter((s) => !marked.has(s.leaf));
  }

  /** `comparedRows`: rows present on both sides (a column differing in all of them is systematic). */
  summary(comparedRows: number): FindingsSummary {
    const byOrder = (a: Sample, b: Sample) => compareOrder(a.order, b.order);
    const of = (kind: DifferenceKind) => this.samples.filter((s) => s.kind === kind).sort(byOrder);
    const [missing, extra, changed] = [of("missing"), of("extra"), of("changed")];
    const sampledRows = (list: Sample[]) => list.reduce((n, s) => n + Math.abs(s.copies.source - s.copies.target), 0);
    const names = new Set([...this.columnRows.keys(), ...this.inconclusiveColumns.keys()]);
    const columns = [...names]
      .map((column) => {
        const rows = this.columnRows.get(column) ?? 0;
        const inconclusiveRows = this.inconclusiveColumns.get(column) ?? 0;
        return { column, rows, inconclusiveRows, systematic: comparedRows > 0 && rows + inconclusiveRows >= comparedRows };
      })
      .filter((c) => c.rows + c.inconclusiveRows > 0)
      .sort((a, b) => b.rows - a.rows || b.inconclusiveRows - a.inconclusiveRows || a.column.localeCompare(b.column));
    const inconclusiveTotal = this.inconclusiveCounts.missing + this.inconclusiveCounts.extra + this.inconclusiveCounts.changed;
    return {
      counts: { ...this.counts },
      columns,
      missing: missing.map((s) => s.key),
      extra: extra.map((s) => s.key),
      copies: { missing: missing.map((s) => s.copies), extra: extra.map((s) => s.copies) },
      changed: changed.map((s) => ({ key: s.key, columns: s.columns! })),
      truncated: sampledRows(missing) < this.counts.missing || sampledRows(extra) < this.counts.extra || changed.length < this.counts.changed,
      ...(inconclusiveTotal > 0 && {
        inconclusive: {
          counts: { ...this.inconclusiveCounts },
          rows: [...this.inconclusiveSamples].sort(byOrder).map((s) => ({
            kind: s.kind,
            key: s.key,
            ...(s.kind === "changed" ? { columns: s.columns } : { copies: s.copies }),
          })),
        },
      }),
    };
  }

  private track(leaf: number, identity: DifferenceIdentity | undefined, kind: DifferenceKind, rows: number, columns: readonly string[]): void {
    if (!identity || this.trackedCount >= (this.limits.maxTracked ?? 20_000)) {
      this.coarse.add(leaf);
      return;
    }
    let list = this.tracked.get(leaf);
    if (!list) this.tracked.set(leaf, (list = []));
    list.push({ ...identity, kind, rows, columns });
    this.trackedCount += 1;
  }

  private totalRoom(): number {
    return this.limits.maxSamples - this.samples.length;
  }

  private tally(leaf: number, kind: DifferenceKind, rows: number, columns: readonly string[]): void {
    let t = this.leaves.get(leaf);
    if (!t) this.leaves.set(leaf, (t = { counts: zero(), columns: new Map() }));
    t.counts[kind] += rows;
    this.counts[kind] += rows;
    for (const c of columns) {
      t.columns.set(c, (t.columns.get(c) ?? 0) + 1);
      this.columnRows.set(c, (this.columnRows.get(c) ?? 0) + 1);
    }
  }

  /**
   * Keeps a sample when one of its groups still has room (and the total cap allows), or when one of its
   * groups has no sample yet: every differing column and kind gets at least one example.
   */
  private offer(sample: Sample, groups: readonly string[]): void {
    const taken = groups.map((g) => this.perGroup.get(g) ?? 0);
    const first = taken.some((n) => n === 0);
    const room = this.totalRoom() > 0 && taken.some((n) => n < this.limits.samplesPerGroup);
    if (!first && !room) return;
    this.samples.push(sample);
    for (const g of groups) this.perGroup.set(g, (this.perGroup.get(g) ?? 0) + 1);
  }
}

/** Lexicographic order of positions (search-tree paths): sorting by it sorts by key or by row hash. */
export function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
