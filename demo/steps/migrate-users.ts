import { AppError } from "../../lib/domain/errors";
import { recordStepInConfig } from "../target/app-config";
import { copyInBatches } from "./copy-batches";
import { inTransaction, withClients, type DemoContext, type DemoFaults, type DemoStepResult } from "./context";

/**
 * Supabase Auth → the target's users: email, the bcrypt hash as is (users keep their passwords),
 * role from raw_app_meta_data.role, provider and the providers of their identities. Fills in the
 * shells made by migrate_data, or creates the rows when run first. Soft-deleted users stay behind.
 */
export async function migrateUsers(ctx: DemoContext, faults: DemoFaults = {}): Promise<DemoStepResult> {
  const details = await withClients(ctx, (source, target) =>
    inTransaction(target, async () => {
      const { copied } = await copyInBatches({
        source,
        target,
        from: `(SELECT u.id, u.email, u.encrypted_password AS password_hash,
                  coalesce(u.raw_app_meta_data->>'role', 'member') AS role,
                  coalesce(u.raw_app_meta_data->>'provider', 'email') AS provider,
                  coalesce((SELECT array_agg(DISTINCT i.provider ORDER BY i.provider)
                            FROM auth.identities i WHERE i.user_id = u.id), '{}'::text[]) AS providers,
                  u.created_at, u.updated_at
                FROM auth.users u WHERE u.deleted_at IS NULL) s`,
        columns: ["id", "email", "password_hash", "role", "provider", "providers", "created_at", "updated_at"],
        key: "id",
        keyType: "uuid",
        batchSize: 5000,
        insertSql: `INSERT INTO public.users (id, email, password_hash, role, provider, providers, created_at, updated_at)
          SELECT id, email, password_hash, role, provider, providers, created_at, updated_at
          FROM json_populate_recordset(NULL::public.users, $1::json)
          ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, password_hash = EXCLUDED.password_hash,
            role = EXCLUDED.role, provider = EXCLUDED.provider, providers = EXCLUDED.providers,
            created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at`,
      });
      let demoted: string[] | undefined;
      if (faults.loseRole) {
        // The fault: the first admins (by id) come out as plain members.
        const { rows } = await source.query(
          `SELECT id::text FROM auth.users WHERE deleted_at IS NULL AND raw_app_meta_data->>'role' = 'admin'
           ORDER BY id LIMIT $1`,
          [faults.loseRole],
        );
        if (rows.length < faults.loseRole) {
          throw new AppError("bad_request", `Cannot demote ${faults.loseRole} admins: the source has ${rows.length}`);
        }
        demoted = rows.map((r) => r.id as string);
        await target.query(`UPDATE public.users SET role = 'member' WHERE id = ANY($1::uuid[])`, [demoted]);
      }
      const { rows: providerRows } = await target.query(
        `SELECT coalesce(array_agg(DISTINCT p ORDER BY p), '{}') AS providers FROM public.users, unnest(providers) p`,
      );
      return { users: copied, providers: providerRows[0].providers as string[], ...(demoted && { demoted }) };
    }),
  );
  await recordStepInConfig(ctx.configDir, "users_migrated", (c) => {
    c.auth.providers = details.providers.length > 0 ? details.providers : ["email"];
  });
  return { id: "migrate_users", phase: "users_migrated", details };
}
