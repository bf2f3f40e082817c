import { recordStepInConfig } from "../target/app-config";
import { URL_COLUMNS } from "./app-tables";
import { inTransaction, withClients, type DemoContext, type DemoFaults, type DemoStepResult } from "./context";

/** Any Supabase Storage object URL: public, authenticated or signed (query string dropped). */
export const SUPABASE_STORAGE_URL_PATTERN = "^https?://[^/]+/storage/v1/object/(public/|authenticated/|sign/)?([^?#]+)([?#].*)?$";

/** The target's own URL of a file: /files/<bucket>/<name>. */
export const TARGET_FILES_PREFIX = "/files/";

/**
 * Rewrites Supabase Storage URLs held in the target's rows (profiles.avatar_url,
 * attachments.file_url) to the target's own /files/<bucket>/<name>.
 */
export async function rewriteFileUrls(ctx: DemoContext, faults: DemoFaults = {}): Promise<DemoStepResult> {
  const details = await withClients(ctx, (_source, target) =>
    inTransaction(target, async () => {
      // The fault: the first n URLs (attachments then profiles, by key) are left as they were.
      const left: { table: string; key: string }[] = [];
      if (faults.leaveSupabaseUrl) {
        const union = URL_COLUMNS.map(
          (c, i) => `SELECT ${i} AS ord, '${c.table}' AS tbl, ${c.key}::text AS key
                     FROM public.${c.table} WHERE ${c.column} ~ $1`,
        );
        const { rows } = await target.query(
          `SELECT tbl, key FROM (${union.join(" UNION ALL ")}) x
           ORDER BY ord, key LIMIT $2`,
          [SUPABASE_STORAGE_URL_PATTERN, faults.leaveSupabaseUrl],
        );
        left.push(...rows.map((r) => ({ table: r.tbl as string, key: r.key as string })));
      }
      const rewritten: Record<string, number> = {};
      for (const c of URL_COLUMNS) {
        const keep = left.filter((l) => l.table === c.table).map((l) => l.key);
        const res = await target.query(
          `UPDATE public.${c.table} SET ${c.column} = regexp_replace(${c.column}, $1, $2)
           WHERE ${c.column} ~ $1 AND NOT (${c.key}::text = ANY($3::text[]))`,
          [SUPABASE_STORAGE_URL_PATTERN, `${TARGET_FILES_PREFIX}\\2`, keep],
        );
        rewritten[c.table] = res.rowCount ?? 0;
      }
      return { rewritten, ...(left.length > 0 && { leftUnchanged: left }) };
    }),
  );
  await recordStepInConfig(ctx.configDir, "validation_complete");
  return { id: "rewrite_file_urls", phase: "validation_complete", details };
}
