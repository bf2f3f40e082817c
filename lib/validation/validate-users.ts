/**
 * Users validator: Supabase `auth.users` (not deleted) against the target's users table. Both sides are
 * read in id order, page by page, and merge-joined, so memory stays bounded whatever the user count.
 * Then known accounts are signed in against the target's API. A source without Supabase Auth (no
 * auth.users, or none in it and no users table on the target) is `skipped` with that reason.
 */
import { quoteIdent, quoteTable, type SqlClient } from "./canonical-sql";
import { formatQualifiedName, parseQualifiedName } from "../domain/qualified-name";
import { COULD_NOT_RUN, summariseChecks, type ValidationCheck, type ValidatorReport } from "./report";
import { probeSignIn, type SignInCredentials } from "./sign-in-probe";
import { Tally } from "./tally";
import { activeUsersCondition, NO_AUTH_USERS_REASON, readSourceAuth } from "../sources/source-auth";

/** `$2a$` / `$2b$` / `$2y$`, two-digit cost, 22 characters of salt and 31 of hash. */
export const BCRYPT_PATTERN = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

export interface UsersMappingOptions {
  targetTable?: string;
  idColumn?: string;
  emailColumn?: string;
  roleColumn?: string;
  passwordColumn?: string;
  /** One provider per user (text). Compared when the target has it. Default "provider". */
  providerColumn?: string;
  /** All providers of a user (text[]). Compared when the target has it. Default "providers". */
  providersColumn?: string;
  /** Key of `raw_app_meta_data` that holds the role. Default "role". */
  sourceRoleKey?: string;
}

export interface ValidateUsersOptions {
  sourceClient: SqlClient;
  targetClient: SqlClient;
  usersMapping?: UsersMappingOptions;
  probe?: { apiUrl: string; accounts: SignInCredentials[]; timeoutMs?: number };
  pageSize?: number;
  /** Longest list of ids kept per problem (totals are always exact). Default 100. */
  sampleLimit?: number;
}

interface UserRow {
  id: string;
  email: string | null;
  role: string | null;
  hash: string | null;
  provider?: string | null;
  providers: string[] | null;
}


const hashPrefix = (h: string | null) => (h ? h.slice(0, 7) : null); // algorithm and cost only, never the hash

async function* pages(client: SqlClient, sql: (hasAfter: boolean) => string, params: unknown[]): AsyncGenerator<UserRow> {
  let after: string | null = null;
  for (;;) {
    const { rows }: { rows: UserRow[] } = await client.query<UserRow>(sql(after !== null), after === null ? params : [...params, after]);
    for (const r of rows) yield { ...r, id: r.id.toLowerCase() };
    if (rows.length < (params[0] as number)) return;
    after = rows[rows.length - 1]!.id;
  }
}

export async function validateUsers(options: ValidateUsersOptions): Promise<ValidatorReport> {
  const started = Date.now();
  const checks: ValidationCheck[] = [];
  try {
    await compareUsers(options, checks);
  } catch (e) {
    checks.push({ name: "read users", status: "failed", message: `could not compare users: ${(e as Error).message}`, details: { ...COULD_NOT_RUN } });
  }
  if (options.probe && options.probe.accounts.length > 0) {
    for (const account of options.probe.accounts) {
      const r = await probeSignIn(options.probe.apiUrl, account, { timeoutMs: options.probe.timeoutMs });
      checks.push({
        name: `sign-in probe ${account.email}`,
        status: r.ok ? "passed" : "failed",
        message: r.ok ? `${account.email} signed in (HTTP ${r.status}, ${r.ms} ms)` : `${account.email} could not sign in: ${r.status ? `HTTP ${r.status}` : r.error}`,
        details: { email: account.email, status: r.status, ms: r.ms, critical: !r.ok },
      });
    }
  } else {
    checks.push({ name: "sign-in probe", status: "skipped", message: "no probe accounts configured" });
  }
  const critical = checks.some((c) => c.status === "failed" && c.details?.critical === true);
  return { validator: "users", status: summariseChecks(checks), critical, checks, durationMs: Date.now() - started };
}

async function compareUsers(options: ValidateUsersOptions, checks: ValidationCheck[]): Promise<void> {
  const m = options.usersMapping ?? {};
  const tableName = m.targetTable ?? "public.users";
  // The mapping's notation (a part may be double-quoted); a bare name is in public.
  const users = parseQualifiedName(tableName) ?? { schema: "public", table: tableName };
  const targetTable = quoteTable(users);
  const display = formatQualifiedName(users);
  const pageSize = options.pageSize ?? 1000;
  const limit = options.sampleLimit ?? 100;
  const col = {
    id: m.idColumn ?? "id",
    email: m.emailColumn ?? "email",
    role: m.roleColumn ?? "role",
    password: m.passwordColumn ?? "password_hash",
    provider: m.providerColumn ?? "provider",
    providers: m.providersColumn ?? "providers",
  };

  const auth = await readSourceAuth(options.sourceClient);
  if (!auth.usersTable) {
    checks.push({ name: "source uses Supabase Auth", status: "skipped", message: NO_AUTH_USERS_REASON, details: { authUsersTable: false } });
    return;
  }
  const active = activeUsersCondition(auth, "u");

  const { rows: cols } = await options.targetClient.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [targetTable],
  );
  if (cols.length === 0) {
    const { rows } = await options.sourceClient.query<{ n: string }>(`SELECT count(*)::text AS n FROM auth.users u WHERE ${active}`);
    if (rows[0]!.n === "0") {
      const message = `the source does not use Supabase Auth: auth.users holds no users and the target has no users table ${display}`;
      checks.push({ name: "source uses Supabase Auth", status: "skipped", message, details: { sourceUsers: 0, table: display } });
      return;
    }
    checks.push({ name: "target users table", status: "failed", message: `target table ${display} does not exist`, details: { table: display, critical: true } });
    return;
  }
  const types = new Map(cols.map((c) => [c.name, c.type]));
  const missingCols = [col.id, col.email, col.password].filter((c) => !types.has(c));
  if (missingCols.length > 0) {
    checks.push({ name: "target users table", status: "failed", message: `${display} lacks column(s) ${missingCols.join(", ")}`, details: { table: display, missing: missingCols, critical: true } });
    return;
  }
  const hasRole = types.has(col.role);
  // Without auth.identities the source's providers are unknown: nothing to compare them with.
  const hasProvider = auth.identitiesTable && types.has(col.provider);
  const hasProviders = auth.identitiesTable && types.has(col.providers);
  if (m.providerColumn && auth.identitiesTable && !hasProvider) checks.push({ name: "providers preserved", status: "failed", message: `${display} lacks the configured provider column ${m.providerColumn}` });

  const [sourceCount, targetCount] = await Promise.all([
    options.sourceClient.query<{ n: string }>(`SELECT count(*)::text AS n FROM auth.users u WHERE ${active}`),
    options.targetClient.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${targetTable}`),
  ]).then(([s, t]): [number, number] => [Number(s.rows[0]!.n), Number(t.rows[0]!.n)]);

  const source = pages(
    options.sourceClient,
    (hasAfter) => `SELECT u.id::text AS id, u.email::text AS email, u.raw_app_meta_data->>$2 AS role, u.encrypted_password::text AS hash,
        ${auth.identitiesTable ? "(SELECT array_agg(DISTINCT i.provider::text ORDER BY i.provider::text) FROM auth.identities i WHERE i.user_id = u.id)" : "NULL::text[]"} AS providers
       FROM auth.users u WHERE ${active} ${hasAfter ? "AND u.id > $3::uuid" : ""} ORDER BY u.id LIMIT $1`,
    [pageSize, m.sourceRoleKey ?? "role"],
  );
  // A uuid key is walked through its index; any other type by its lower-cased text (same order as uuid bytes).
  const id = quoteIdent(col.id);
  const keyExpr = types.get(col.id) === "uuid" ? id : `lower(${id}::text) COLLATE "C"`;
  const target = pages(
    options.targetClient,
    (hasAfter) => `SELECT ${id}::text AS id, ${quoteIdent(col.email)}::text AS email,
        ${hasRole ? `${quoteIdent(col.role)}::text` : "NULL"} AS role, ${quoteIdent(col.password)}::text AS hash,
        ${hasProvider ? `${quoteIdent(col.provider)}::text` : "NULL"} AS provider,
        ${hasProviders ? `${quoteIdent(col.providers)}::text[]` : "NULL::text[]"} AS providers
       FROM ${targetTable} ${hasAfter ? `WHERE ${keyExpr} > $2${types.get(col.id) === "uuid" ? "::uuid" : ""}` : ""} ORDER BY ${keyExpr} LIMIT $1`,
    [pageSize],
  );

  const missing = new Tally(limit), emails = new Tally(limit), roles = new Tally(limit), hashes = new Tally(limit);
  const malformed = new Tally(limit), providers = new Tally(limit), extra = new Tally(limit);
  let s = await source.next();
  let t = await target.next();
  while (!s.done || !t.done) {
    if (t.done || (!s.done && s.value.id < t.value.id)) {
      const u = s.value as UserRow;
      missing.add({ id: u.id, email: u.email });
      s = await source.next();
    } else if (s.done || t.value.id < s.value.id) {
      extra.add({ id: t.value.id, email: t.value.email });
      t = await target.next();
    } else {
      compareUser(s.value, t.value, { hasRole, hasProvider, hasProviders }, { emails, roles, hashes, malformed, providers });
      s = await source.next();
      t = await target.next();
    }
  }

  // Users missing by id may have been re-keyed: name the target id that now holds their email.
  const lostEmails = missing.samples.map((x) => x.email).filter((e): e is string => typeof e === "string").map((e) => e.toLowerCase());
  if (lostEmails.length > 0) {
    const { rows } = await options.targetClient.query<{ email: string; id: string }>(
      `SELECT lower(${quoteIdent(col.email)}::text) AS email, ${id}::text AS id FROM ${targetTable} WHERE lower(${quoteIdent(col.email)}::text) = ANY($1::text[])`,
      [lostEmails],
    );
    const byEmail = new Map(rows.map((r) => [r.email, r.id]));
    for (const x of missing.samples) {
      const other = typeof x.email === "string" ? byEmail.get(x.email.toLowerCase()) : undefined;
      if (other) x.foundByEmailAs = other;
    }
  }

  const countStatus = sourceCount === targetCount ? "passed" : sourceCount > targetCount ? "failed" : "warning";
  checks.push({ name: "user count", status: countStatus, message: `${sourceCount} source users (not deleted), ${targetCount} in ${display}`, details: { source: sourceCount, target: targetCount } });
  const report = (name: string, tally: Tally, ok: string, bad: string, critical: boolean, status: "failed" | "warning" = "failed") =>
    checks.push({
      name,
      status: tally.count === 0 ? "passed" : status,
      message: tally.count === 0 ? ok : `${tally.count} ${bad}`,
      details: { count: tally.count, samples: tally.samples, critical: tally.count > 0 && critical },
    });
  report("every source user present", missing, "every source user is present by id", "source user(s) missing from the target", true);
  report("emails preserved", emails, "every email is preserved", "user(s) whose email differs", true);
  if (hasRole) report("roles preserved", roles, "every role is preserved", "user(s) whose role was not preserved", false);
  else checks.push({ name: "roles preserved", status: "failed", message: `${display} has no role column ${col.role}`, details: { table: display, column: col.role } });
  report("password hashes preserved", hashes, "every password hash is preserved exactly", "user(s) whose password hash changed (they cannot sign in)", true);
  report("password hashes are bcrypt", malformed, "every password hash is well-formed bcrypt", "user(s) whose target hash is not well-formed bcrypt", true);
  if (hasProvider || hasProviders) report("providers preserved", providers, "sign-in providers are preserved", "user(s) whose providers differ", false);
  else if (!auth.identitiesTable) checks.push({ name: "providers preserved", status: "skipped", message: "the source has no auth.identities table: providers cannot be compared" });
  else if (!m.providerColumn) checks.push({ name: "providers preserved", status: "skipped", message: `${display} does not model providers` });
  report("no extra target users", extra, "the target has no users the source lacks", "target user(s) not in the source", false, "warning");
}

function compareUser(
  s: UserRow,
  t: UserRow,
  has: { hasRole: boolean; hasProvider: boolean; hasProviders: boolean },
  tally: Record<"emails" | "roles" | "hashes" | "malformed" | "providers", Tally>,
): void {
  const who = { id: s.id, email: s.email };
  if ((s.email ?? "").toLowerCase() !== (t.email ?? "").toLowerCase()) tally.emails.add({ ...who, targetEmail: t.email });
  // No role in raw_app_meta_data means there is nothing to preserve; the target may apply its default.
  if (has.hasRole && s.role !== null && s.role !== t.role) tally.roles.add({ ...who, source: s.role, target: t.role });
  const sourceHash = s.hash || null;
  const targetHash = t.hash || null;
  if (sourceHash !== targetHash) {
    tally.hashes.add({ ...who, source: hashPrefix(sourceHash), target: hashPrefix(targetHash) });
  } else if (targetHash !== null && !BCRYPT_PATTERN.test(targetHash)) {
    tally.malformed.add({ ...who, target: hashPrefix(targetHash) });
  }
  const sp = s.providers ?? [];
  if (has.hasProviders) {
    const tp = [...new Set(t.providers ?? [])].sort();
    if (sp.join(",") !== tp.join(",")) tally.providers.add({ ...who, source: sp, target: tp });
  } else if (has.hasProvider && sp.length > 0 && (t.provider === null || t.provider === undefined || !sp.includes(t.provider))) {
    tally.providers.add({ ...who, source: sp, target: t.provider ?? null });
  }
}
