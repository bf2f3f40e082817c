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
import { readSourceStorageUsage, storageAbsence } from "../sources/source-storage-usage";
import { activeUsersCondition, NO_AUTH_USERS_REASON, readSourceAuth } from "../sources/source-auth";
import { withPgClients } from "../sources/pg-clients";
import { resolveUsersMapping } from "../sources/users-mapping";
import { readRecordedSchema, type RecordedSchema } from "./read-schema-inventories";

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
  /** Why a total is 0 because the source does not use that part of Supabase (no Auth, no Storage). */
  notes: string[];
  /** Each side's object inventory (definitions, no row values) and its fingerprint. */
  schema: { source: RecordedSchema; target: RecordedSchema };
}

/**
 * The integrity metadata of a checkpoint: per mapped table, row count and content checksum on
 * both sides (computed inside Postgres); users total / migrated; files total / migrated / bytes.
 * Users and files are counted from the source database (auth.users, storage.objects); a source
 * without Auth or Storage records 0 with the reason. The schema of both sides is recorded as an
 * object inventory with its fingerprint, so that later checkpoints and rollbacks can show drift.
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
    progress({ message: "schema inventories" });
    const schema = { source: await readRecordedSchema(source, mapping), target: await readRecordedSchema(target, mapping) };
    progress({ message: "users" });
    const { note: usersNote, ...users } = await countUsers(source, target, mapping.users);
    if (usersNote) progress({ message: `users: 0 (${usersNote})` });
    progress({ message: "files" });
    const { note: filesNote, ...files } = await countFiles(ctx, source);
    if (filesNote) progress({ message: `files: 0 (${filesNote})` });
    return { tables, totals: { ...users, ...files }, notes: [usersNote, filesNote].filter((n): n is string => n !== undefined), schema };
  });
}

async function countUsers(source: pg.Client, target: pg.Client, usersConfig: unknown): Promise<{ usersTotal: number; usersMigrated: number; note?: string }> {
  const mapping = resolveUsersMapping(usersConfig);
  const auth = await readSourceAuth(source);
  if (!auth.usersTable) return { usersTotal: 0, usersMigrated: 0, note: NO_AUTH_USERS_REASON };
  const active = activeUsersCondition(auth, "u");
  const total = await source.query<{ n: number }>(`SELECT count(*)::int AS n FROM auth.users u WHERE ${active}`);
  const usersTotal = total.rows[0]!.n;
  const exists = await target.query("SELECT to_regclass($1) AS t", [mapping.targetTable]);
  if (!exists.rows[0]?.t) return { usersTotal, usersMigrated: 0 };
  // Page through source ids in key order and count the ones present in the target: exact, bounded memory.
  let usersMigrated = 0;
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const page = await source.query<{ id: string }>(
      `SELECT u.id::text FROM auth.users u WHERE ${active} AND u.id > $1::uuid ORDER BY u.id LIMIT 5000`,
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

/**
 * Objects of storage.objects and how many have a file of the same size at `<storageDir>/<bucket>/<name>`.
 * Read from the source database, not listed through Storage: a checkpoint needs no Storage server,
 * and a key that may not see every object cannot make the totals smaller.
 */
async function countFiles(ctx: AppContext, source: pg.Client): Promise<Omit<CollectedMetadata["totals"], "usersTotal" | "usersMigrated"> & { note?: string }> {
  const totals = { filesTotal: 0, filesMigrated: 0, bytesTotal: 0n, bytesMigrated: 0n };
  const absence = storageAbsence(await readSourceStorageUsage(source));
  if (absence) return { ...totals, note: absence };
  const root = path.resolve(ctx.target.storageDir);
  let after: [string, string] | null = null;
  for (;;) {
    const params: string[] = after ? [after[0], after[1]] : [];
    const page: pg.QueryResult<{ bucket: string; name: string; size: string }> = await source.query(
      `SELECT bucket_id AS bucket, name,
              (CASE WHEN jsonb_typeof(metadata::jsonb -> 'size') = 'number' THEN (metadata::jsonb ->> 'size')::numeric ELSE 0 END)::text AS size
         FROM storage.objects
        WHERE bucket_id IS NOT NULL AND name IS NOT NULL ${after ? "AND (bucket_id, name) > ($1, $2)" : ""}
        ORDER BY bucket_id, name LIMIT 5000`,
      params,
    );
    if (page.rows.length === 0) break;
    await Promise.all(
      page.rows.map(async (object) => {
        const size = BigInt(object.size.replace(/\..*$/, ""));
        totals.filesTotal += 1;
        totals.bytesTotal += size;
        const bucketDir = path.resolve(root, object.bucket);
        const file = path.resolve(bucketDir, object.name);
        // A name that would leave its bucket's folder has no file there.
        if (path.dirname(bucketDir) !== root || !file.startsWith(bucketDir + path.sep)) return;
        const onTarget = await stat(file).catch(() => null);
        if (onTarget?.isFile() && BigInt(onTarget.size) === size) {
          totals.filesMigrated += 1;
          totals.bytesMigrated += size;
        }
      }),
    );
    const last = page.rows[page.rows.length - 1]!;
    after = [last.bucket, last.name];
  }
  return totals;
}
