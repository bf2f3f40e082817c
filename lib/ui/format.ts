import { isJobKind, JOB_KIND_DEFINITIONS } from "../domain/job-kinds";

/** Formatting for the dashboard: pure, locale-independent so that server output is stable. */

const BYTE_UNITS = ["B", "KB", "MB", "GB", "TB", "PB"] as const;

/** 1536 → "1.5 KB" (binary multiples, as backup sizes are usually read against disk sizes). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  if (bytes < 1024) return `${Math.max(0, Math.round(bytes))} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${trimZeros(value.toFixed(digits))} ${BYTE_UNITS[unit]}`;
}

/** 1234567 → "1,234,567". */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** 812 → "812 ms", 61_000 → "1 min 1 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${trimZeros(seconds.toFixed(seconds < 10 ? 1 : 0))} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  if (minutes < 60) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const restMinutes = minutes - hours * 60;
  return restMinutes ? `${hours} h ${restMinutes} min` : `${hours} h`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago"; future times read "in …". */
export function formatRelativeTime(iso: string | null | undefined, now: Date): string {
  if (!iso) return "never";
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "—";
  const diff = now.getTime() - then;
  const abs = Math.abs(diff);
  const suffix = (s: string) => (diff >= 0 ? `${s} ago` : `in ${s}`);
  if (abs < 45_000) return "just now";
  const minutes = Math.round(abs / 60_000);
  if (minutes < 60) return suffix(`${minutes} min`);
  const hours = Math.round(abs / 3_600_000);
  if (hours < 24) return suffix(`${hours} h`);
  const days = Math.round(abs / 86_400_000);
  if (days < 45) return suffix(days === 1 ? "1 day" : `${days} days`);
  return formatDateTime(iso);
}

/** "2025-03-04 13:05 UTC": unambiguous for people reading an audit trail in different zones. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  const pad = (n: number) => n.toString().padStart(2, "0");
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** Long hashes in tables: first and last characters, the full value goes in a title attribute. */
export function shortenHash(hash: string | null | undefined, keep = 8): string {
  if (!hash) return "—";
  const value = hash.startsWith("sha256:") ? hash.slice(7) : hash;
  return value.length <= keep * 2 + 1 ? value : `${value.slice(0, keep)}…${value.slice(-4)}`;
}

/**
 * Table content checksums are sums of row hashes printed with leading zeros: the zeros say
 * nothing, so they are dropped before shortening ("000…0f3a9c…2120" → "f3a9c1d2…2120").
 */
export function shortenChecksum(checksum: string | null | undefined, keep = 8): string {
  if (!checksum) return "—";
  return shortenHash(checksum.replace(/^0+(?=.)/, ""), keep);
}

/** "create_checkpoint" → "Create checkpoint". */
export function humanize(value: string): string {
  const spaced = value.replace(/[_.-]+/g, " ").trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** A job kind's label, from its definition (lib/domain/job-kinds.ts); a kind not defined there, humanized. */
export function jobKindLabel(kind: string): string {
  return isJobKind(kind) ? JOB_KIND_DEFINITIONS[kind].label : humanize(kind);
}

function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}
