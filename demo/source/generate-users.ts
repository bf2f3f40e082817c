import bcrypt from "bcryptjs";
import type pg from "pg";
import { createPrng, sqlRand, sqlUuid, subSeed } from "./prng";
import { DEMO_EPOCH, DEMO_INSTANCE_ID, SQL_IS_DELETED_USER, demoPassword, type DemoPlan } from "./plan";
import { FIRST_NAMES, LAST_NAMES, sqlPick } from "./words";

const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** Supabase uses cost 10; 4 keeps the demo fast while the hashes stay real, verifiable bcrypt. */
const BCRYPT_COST = "04";

/** A real bcrypt hash of `demo-password-<n>`, with a salt derived from the seed (reproducible). */
export function hashDemoPassword(seed: number, n: number): string {
  const next = createPrng(subSeed(seed, "bcrypt-salt", n));
  let salt = "";
  for (let i = 0; i < 22; i++) salt += BCRYPT_ALPHABET[Math.floor(next() * 64)];
  return bcrypt.hashSync(demoPassword(n), `$2a$${BCRYPT_COST}$${salt}`);
}

/**
 * Inserts auth.users (n = 1..users) and auth.identities. Only the bcrypt hashes come from Node;
 * every other value is computed by Postgres from the seed.
 */
export async function insertAuthUsers(client: pg.ClientBase, plan: DemoPlan): Promise<void> {
  const { seed } = plan;
  const hashes = Array.from({ length: plan.users }, (_, i) => hashDemoPassword(seed, i + 1));
  const r = (salt: string) => sqlRand(seed, salt, "n");
  await client.query(
    `CREATE TEMP TABLE demo_users ON COMMIT DROP AS
     SELECT n::int AS n, hash,
       ${sqlUuid(seed, "user", "n")} AS id,
       ${sqlPick(FIRST_NAMES, r("first"))} AS first_name,
       ${sqlPick(LAST_NAMES, r("last"))} AS last_name,
       CASE WHEN n = 1 OR ${r("role")} < 0.1 THEN 'admin' WHEN ${r("role")} < 0.35 THEN 'editor'
            ELSE 'member' END AS app_role,
       ${r("github")} < 0.25 AS has_github,
       ${r("google")} < 0.15 AS has_google,
       ${r("unconfirmed")} < 0.05 AND n > 1 AS unconfirmed,
       ${r("invited")} < 0.05 AS invited,
       ${r("phone")} < 0.2 AS has_phone,
       ${r("banned")} < 0.02 AND n > 1 AS banned,
       ${SQL_IS_DELETED_USER("n")} AS deleted,
       timestamptz '${DEMO_EPOCH}' + ${r("created")} * interval '200 days' AS created_at,
       ${r("signin")} * interval '150 days' AS signin_after
     FROM unnest($1::text[]) WITH ORDINALITY AS h(hash, n)`,
    [hashes],
  );
  await client.query(`
    INSERT INTO auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
      invited_at, confirmation_token, confirmation_sent_at, recovery_token, email_change_token_new,
      email_change, last_sign_in_at, raw_app_meta_data, raw_user_meta_data, is_super_admin, created_at,
      updated_at, phone, phone_confirmed_at, banned_until, deleted_at, is_anonymous)
    SELECT '${DEMO_INSTANCE_ID}', id, 'authenticated', 'authenticated', email, hash,
      CASE WHEN unconfirmed THEN NULL ELSE created_at + interval '3 minutes' END,
      CASE WHEN invited THEN created_at END,
      CASE WHEN unconfirmed THEN md5('confirm:' || id::text) ELSE '' END,
      CASE WHEN unconfirmed OR invited THEN created_at END,
      '', '', '',
      CASE WHEN unconfirmed THEN NULL ELSE created_at + signin_after END,
      jsonb_build_object('provider', 'email', 'providers', to_jsonb(providers), 'role', app_role),
      jsonb_build_object('sub', id::text, 'email', email, 'full_name', first_name || ' ' || last_name,
        'email_verified', NOT unconfirmed, 'phone_verified', false),
      false, created_at,
      CASE WHEN unconfirmed THEN created_at ELSE created_at + signin_after END,
      CASE WHEN has_phone THEN '1555' || lpad(n::text, 7, '0') END,
      CASE WHEN has_phone THEN created_at + interval '1 hour' END,
      CASE WHEN banned THEN timestamptz '2099-01-01T00:00:00Z' END,
      CASE WHEN deleted THEN created_at + interval '30 days' END,
      false
    FROM (SELECT *, lower(first_name || '.' || last_name || n || '@example.com') AS email,
            ARRAY['email'] || CASE WHEN has_github THEN ARRAY['github'] ELSE '{}'::text[] END
                           || CASE WHEN has_google THEN ARRAY['google'] ELSE '{}'::text[] END AS providers
          FROM demo_users) u
    ORDER BY n`);
  await client.query(`
    INSERT INTO auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at,
      created_at, updated_at, id)
    SELECT provider_id, u.id, identity_data, provider, u.last_sign_in_at, u.created_at, u.updated_at, ident_id
    FROM demo_users d JOIN auth.users u ON u.id = d.id
    CROSS JOIN LATERAL (VALUES
      ('email', u.id::text, jsonb_build_object('sub', u.id::text, 'email', u.email,
         'email_verified', u.email_confirmed_at IS NOT NULL, 'phone_verified', false),
       ${sqlUuid(seed, "identity-email", "d.n")}, true),
      ('github', (5000000 + d.n * 37)::text, jsonb_build_object('sub', (5000000 + d.n * 37)::text,
         'email', u.email, 'user_name', lower(d.first_name) || d.n, 'full_name', d.first_name || ' ' || d.last_name,
         'avatar_url', 'https://avatars.githubusercontent.com/u/' || (5000000 + d.n * 37),
         'iss', 'https://api.github.com', 'email_verified', true),
       ${sqlUuid(seed, "identity-github", "d.n")}, d.has_github),
      ('google', '1' || lpad((d.n * 7919)::text, 20, '0'), jsonb_build_object('sub', '1' || lpad((d.n * 7919)::text, 20, '0'),
         'email', u.email, 'name', d.first_name || ' ' || d.last_name, 'iss', 'https://accounts.google.com',
         'email_verified', true),
       ${sqlUuid(seed, "identity-google", "d.n")}, d.has_google)
    ) AS i(provider, provider_id, identity_data, ident_id, present)
    WHERE i.present
    ORDER BY d.n, i.provider`);
}
