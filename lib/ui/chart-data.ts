import type { TableFigures } from "./table-comparison";
import { formatNamePart, parseQualifiedName } from "../domain/qualified-name";

/** One bar group of the "rows per table" chart. */
export interface RowCountDatum {
  /** Short name for the axis ("tasks"); `table` keeps the full target name for the tooltip. */
  label: string;
  table: string;
  source: number | null;
  target: number | null;
  /** Target has fewer/more rows than the source: drawn in another colour. */
  differs: boolean;
}

/**
 * Source vs target row counts per table, for a bar chart. Tables are sorted by name; the schema
 * prefix is dropped from the label only when every table shares it (otherwise names could clash).
 */
export function rowCountChartData(tables: readonly TableFigures[]): RowCountDatum[] {
  const schemas = new Set(tables.map((t) => schemaOf(t.targetTable)));
  const dropSchema = schemas.size === 1;
  return [...tables]
    .sort((a, b) => a.targetTable.localeCompare(b.targetTable))
    .map((t) => ({
      label: dropSchema ? tableOf(t.targetTable) : t.targetTable,
      table: t.targetTable,
      source: t.sourceRowCount,
      target: t.targetRowCount,
      differs: t.sourceRowCount !== null && t.targetRowCount !== null && t.sourceRowCount !== t.targetRowCount,
    }));
}

export interface CheckpointSizeInput {
  id: string;
  name: string;
  createdAt: string;
  backups: readonly { component: string; sizeBytes: number; newBytes: number }[];
}

/** One bar of the "backup size over checkpoints" chart: bytes per component, oldest first. */
export interface BackupSizeDatum {
  id: string;
  name: string;
  createdAt: string;
  database: number;
  storage: number;
  config: number;
  total: number;
  /** Bytes written anew (the rest is shared blobs): what the checkpoint really cost on disk. */
  newBytes: number;
}

/** Backup sizes per checkpoint in creation order, keeping the most recent `limit`. */
export function backupSizeChartData(checkpoints: readonly CheckpointSizeInput[], limit = 20): BackupSizeDatum[] {
  return [...checkpoints]
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name))
    .slice(-limit)
    .map((c) => {
      const by = (component: string) => c.backups.filter((b) => b.component === component).reduce((n, b) => n + b.sizeBytes, 0);
      const database = by("database");
      const storage = by("storage");
      const config = by("config");
      return {
        id: c.id,
        name: c.name,
        createdAt: c.createdAt,
        database,
        storage,
        config,
        total: database + storage + config,
        newBytes: c.backups.reduce((n, b) => n + b.newBytes, 0),
      };
    });
}

function schemaOf(name: string): string {
  return parseQualifiedName(name)?.schema ?? "";
}

/** The table part, quoted as it was in the full name ("order items.v2" keeps its quotes). */
function tableOf(name: string): string {
  const parsed = parseQualifiedName(name);
  return parsed ? formatNamePart(parsed.table) : name;
}
