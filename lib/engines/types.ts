import type { Component, Manifest, ManifestFile } from "../store/manifest";

export type { Component, ManifestFile };

export interface ProgressEvent {
  step: string;
  bytesDone?: number;
  filesDone?: number;
  rowsDone?: number;
  message?: string;
}

export type OnProgress = (p: ProgressEvent) => void;

export interface SnapshotContext {
  /** The component's folder for this checkpoint, created by the caller. */
  backupDir: string;
  /**
   * The manifest of the same component and engine in this target's latest complete checkpoint
   * (checked against its recorded hash): what an incremental snapshot may build on.
   */
  previous?: Manifest;
  onProgress?: OnProgress;
  signal?: AbortSignal;
}

export interface SnapshotResult {
  engine: string;
  files: ManifestFile[];
  /** Bytes the backup refers to (logical size). */
  sizeBytes: number;
  /** Bytes newly written to the backup store by this snapshot (less than sizeBytes when incremental). */
  newBytes: number;
  fileCount: number;
  manifestSha256: string;
  extra: Record<string, unknown>;
}

export type VerifyProblemKind = "missing" | "altered" | "unexpected" | "manifest_missing" | "manifest_invalid" | "wrong_key";

export interface VerifyProblem {
  path: string;
  kind: VerifyProblemKind;
  expected?: string;
  actual?: string;
  message?: string;
}

export interface VerifyReport {
  ok: boolean;
  problems: VerifyProblem[];
}

export interface RestoreContext {
  onProgress?: OnProgress;
  signal?: AbortSignal;
  /** Database engines: keep the replaced database (renamed `<target>_old_<ts>`) instead of dropping it. */
  keepOld?: boolean;
}

export interface RestoreResult {
  component: Component;
  engine: string;
  /** Per-engine counts, e.g. storage {restored, removed, unchanged}. */
  counts: Record<string, number>;
  details: Record<string, unknown>;
}

/** The one port every backup engine implements. */
export interface BackupEngine<R extends RestoreResult = RestoreResult, C extends RestoreContext = RestoreContext> {
  readonly component: Component;
  readonly name: string;
  snapshot(ctx: SnapshotContext): Promise<SnapshotResult>;
  verify(backupDir: string): Promise<VerifyReport>;
  restore(backupDir: string, ctx?: C): Promise<R>;
}

/** Throws the standard error when a cancelled operation should stop. */
export function throwIfAborted(signal?: AbortSignal) {
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? signal.reason : new Error("operation cancelled");
    throw reason;
  }
}

/** Summary line of a failed verify report, naming the first few problems. */
export function describeProblems(problems: VerifyProblem[], limit = 5): string {
  const shown = problems
    .slice(0, limit)
    .map((p) => `${p.kind} ${p.path}${p.expected ? ` (expected ${p.expected.slice(0, 16)}${p.actual ? `, got ${p.actual.slice(0, 16)}` : ""})` : ""}`);
  const more = problems.length > limit ? `, and ${problems.length - limit} more` : "";
  return shown.join("; ") + more;
}
