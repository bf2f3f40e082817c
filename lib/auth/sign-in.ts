import type { PrismaClient } from "../db/generated/client";
import { appendAuditEvent } from "../audit/append-audit-event";
import { isAppError } from "../domain/errors";
import { verifyPassword } from "./password";
import type { Role } from "./permissions";
import type { RateLimits } from "./rate-limits";
import { emailSchema } from "./users";

export interface SignedInUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}

export type SignInResult =
  | { ok: true; user: SignedInUser }
  | { ok: false; reason: "invalid_credentials" | "rate_limited" | "busy"; message: string };

const INVALID = "Wrong email or password, or the account is disabled.";

/**
 * Email + password sign-in: counts the attempt against the address, email and email+address budgets
 * (lib/auth/rate-limits.ts), checks the bcrypt hash on the hashing threads
 * (unknown emails take as long as wrong passwords) and records success or failure in the audit trail.
 * The caller learns only "wrong email or password"; the audit trail says which, never the password.
 */
export async function signInWithPassword(
  db: PrismaClient,
  limits: RateLimits,
  input: { email: string; password: string; ip: string },
): Promise<SignInResult> {
  const parsed = emailSchema.safeParse(input.email);
  // Something typed in the email field that is not an email may be a password: never recorded.
  const email = parsed.success ? parsed.data : null;
  const actor = email ?? "(not an email)";
  try {
    await limits.consumeSignIn(email ?? input.email.slice(0, 254), input.ip);
  } catch (e) {
    if (!isAppError(e) || e.code !== "rate_limited") throw e;
    await audit(db, { actor, ip: input.ip, result: "refused", after: { method: "password", reason: "rate_limited" } });
    return { ok: false, reason: "rate_limited", message: e.message };
  }
  const user = email ? await db.dashboardUser.findUnique({ where: { email } }) : null;
  let passwordOk: boolean;
  try {
    passwordOk = await verifyPassword(input.password, user?.passwordHash);
  } catch (e) {
    // Every hashing thread busy and the queue full: refused at once, not queued behind a flood.
    if (!isAppError(e) || e.code !== "rate_limited") throw e;
    await audit(db, { actor, ip: input.ip, result: "refused", after: { method: "password", reason: "busy" } });
    return { ok: false, reason: "busy", message: e.message };
  }
  if (!user || user.disabled || !passwordOk) {
    const reason = !user ? "unknown_email" : user.disabled ? "disabled" : user.passwordHash ? "wrong_password" : "no_password";
    await audit(db, { actor, role: user?.role, ip: input.ip, result: "failure", targetId: user?.id, after: { method: "password", reason } });
    return { ok: false, reason: "invalid_credentials", message: INVALID };
  }
  await db.$transaction(async (tx) => {
    await tx.dashboardUser.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } });
    await appendAuditEvent(tx, {
      actor: user.email, actorRole: user.role, origin: input.ip,
      action: "auth.sign_in", targetType: "dashboard_user", targetId: user.id,
      after: { method: "password" }, result: "success",
    });
  });
  await limits.resetSignIn(user.email, input.ip);
  return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
}

/**
 * OIDC sign-in: the identity provider vouched for the email. A known user keeps their role (and is
 * refused when disabled); an unknown one is created with `defaultRole` and no password. Audited.
 */
export async function signInWithOidc(
  db: PrismaClient,
  input: { email: string | null | undefined; name?: string | null; defaultRole: Role; ip: string },
): Promise<SignedInUser | null> {
  const parsed = emailSchema.safeParse(input.email ?? "");
  if (!parsed.success) {
    await audit(db, { actor: "(oidc, no email)", ip: input.ip, result: "failure", after: { method: "oidc", reason: "no_email" } });
    return null;
  }
  const email = parsed.data;
  return db.$transaction(async (tx) => {
    let user = await tx.dashboardUser.findUnique({ where: { email } });
    if (user?.disabled) {
      await appendAuditEvent(tx, {
        actor: email, actorRole: user.role, origin: input.ip, action: "auth.sign_in", targetType: "dashboard_user",
        targetId: user.id, after: { method: "oidc", reason: "disabled" }, result: "failure",
      });
      return null;
    }
    if (!user) {
      user = await tx.dashboardUser.create({ data: { email, name: input.name?.slice(0, 100) || null, role: input.defaultRole } });
      await appendAuditEvent(tx, {
        actor: "oidc", origin: input.ip, action: "user.created", targetType: "dashboard_user", targetId: user.id,
        after: { email, name: user.name, role: user.role, signIn: "oidc" }, result: "success",
      });
    }
    user = await tx.dashboardUser.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } });
    await appendAuditEvent(tx, {
      actor: email, actorRole: user.role, origin: input.ip, action: "auth.sign_in", targetType: "dashboard_user",
      targetId: user.id, after: { method: "oidc" }, result: "success",
    });
    return { id: user.id, email: user.email, name: user.name, role: user.role };
  });
}

async function audit(
  db: PrismaClient,
  e: { actor: string; role?: Role; ip: string; result: string; targetId?: string; after: Record<string, unknown> },
): Promise<void> {
  await db.$transaction((tx) =>
    appendAuditEvent(tx, {
      actor: e.actor, actorRole: e.role ?? null, origin: e.ip, action: "auth.sign_in",
      targetType: "dashboard_user", targetId: e.targetId ?? null, after: e.after, result: e.result,
    }),
  );
}
