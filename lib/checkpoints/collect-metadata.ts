import { stat } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { AppContext } from "../context";
import type { ReportProgress } from "../jobs/progress";
import { resolveTableMappings } from "../validation/mapping";
import { loadMappingOrDefault } from "./load-mapping";
import { quoteTable } from "../validation/canonical-sql";
import { formatQualifiedName } from "../domain/qualified-name";
import { computeChecksumsForMappings } from "../validation/table-checksum";
import { createSupabaseStorageSource } from "../sources/supabase-storage";
import { withPgClients } from "../sources/pg-clients";
import { resolveUsersMapping } from "../sources/users-mapping";

export interface CollectedMetadata {
  tables: {
    sourceTable: string;
    targetTable: string;
    sourceRowCount: bigint | null;
    targetRowCount: bigint | null;
    sourceChecksum: string | null;
    targetChecksum: string | null;
    /** How both checksums were computed (lib/validation/checksum-format); null without checksums. */
    checksumFormat: string | null;
  }[];
  totals: {
    usersTotal: number;
    usersMigrated: number;
    filesTotal: number;
    filesMigrated: number;
    bytesTotal: bigint;
    bytesMigrated: bigint;
  };
}

/**
 * The integrity metadata of a checkpoint: per mapped table, row count and content checksum on
 * both sides (computed inside Postgres); users total / migrated; files total / migrated / bytes.
 */
export async function collectCheckpointMetadata(ctx: AppContext, progress: ReportProgress = () => {}): Promise<CollectedMetadata> {
  const mapping = await loadMappingOrDefault(ctx.mappingFile);
  return withPgClients([ctx.source.databaseUrl, ctx.target.databaseUrl], async ([source, target]) => {
    if (!source || !target) throw new Error("unreachable");
    progress({ message: "table checksums" });
    const resolved = await resolveTableMappings(source, target, mapping);
    const checksums = await computeChecksumsForMappings(source, target, resolved.tables, (p) =>
      progress({ message: `checksums: ${p.done}/${p.total} tables (${p.table})` }),
    );
    const tables: CollectedMetadata["tables"] = checksums.map((c) => ({
      sourceTable: c.sourceTable,
      targetTable: c.targetTable,
      sourceRowCount: BigInt(c.sourceRowCount),
      targetRowCount: BigInt(c.targetRowCount),
      sourceChecksum: c.sourceChecksum,
      targetChecksum: c.targetChecksum,
      checksumFormat: c.checksumFormat,
    }));
    // Tables the target does not have yet (early phases) are recorded with the source side only.
    for (const missing of resolved.missingInTarget) {
      const { rows } = await source.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteTable(missing)}`);
      const name = formatQualifiedName(missing);
      tables.push({ sourceTable: name, targetTable: name, sourceRowCount: BigInt(rows[0]!.n), targetRowCount: null, sourceChecksum: null, targetChecksum: null, checksumFormat: null });
    }
    progress({ message: "users" });
    const users = await countUsers(source, target, mapping.users);
    progress({ message: "files" });
    const files = await countFiles(ctx);
    return { tables, totals: { ...users, ...files } };
  });
}

async function countUsers(source: pg.Client, target: pg.Client, usersConfig: unknown) {
  const mapping = resolveUsersMapping(usersConfig);
  const total = await source.query<{ n: number }>("SELECT count(*)::int AS n FROM auth.users WHERE deleted_at IS NULL");
  const usersTotal = total.rows[0]!.n;
  const exists = await target.query("SELECT to_regclass($1) AS t", [mapping.targetTable]);
  if (!exists.rows[0]?.t) return { usersTotal, usersMigrated: 0 };
  // Page through source ids in key order and count the ones present in the target: exact, bounded memory.
  let usersMigrated = 0;
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const page = await source.query<{ id: string }>(
      "SELECT id::text FROM auth.users WHERE deleted_at IS NULL AND id > $1::uuid ORDER BY id LIMIT 5000",
      [after],
    );
    if (page.rows.length === 0) break;
    const ids = page.rows.map((r) => r.id);
    const found = await target.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${mapping.targetTableSql} WHERE ${mapping.idColumnSql}::text = ANY($1::text[])`,
      [ids],
    );
    usersMigrated += found.rows[0]!.n;
    after = ids[ids.length - 1]!;
  }
  return { usersTotal, usersMigrated };
}

async function countFiles(ctx: AppContext) {
  const storage = createSupabaseStorageSource({ url: ctx.source.supabaseUrl, serviceRoleKey: ctx.source.serviceRoleKey });
  let filesTotal = 0;
  let filesMigrated = 0;
  let bytesTotal = 0n;
  let bytesMigrated = 0n;
  for (const bucket of await storage.listSourceBuckets()) {
    for await (const object of storage.listSourceObjects(bucket.id ?? bucket.name)) {
      filesTotal += 1;
      const size = object.size ?? 0;
      bytesTotal += BigInt(size);
      const onTarget = await stat(path.join(ctx.target.storageDir, object.bucket, object.name)).catch(() => null);
      if (onTarget?.isFile() && onTarget.size === size) {
        filesMigrated += 1;
        bytesMigrated += BigInt(size);
      }
    }
  }
  return { filesTotal, filesMigrated, bytesTotal, bytesMigrated };
}
