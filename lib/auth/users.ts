import { z } from "zod";
import type { Prisma, PrismaClient } from "../db/generated/client";
import { appendAuditEvent } from "../audit/append-audit-event";
import type { Actor } from "../domain/actor";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { endUserSessions } from "./dashboard-sessions";
import { hashPassword } from "./password";
import { ROLES, type Role } from "./permissions";

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: "must be an email address" }).max(254));

const createUserInput = z.object({
  email: emailSchema,
  name: z.string().trim().max(100).optional(),
  role: z.enum(ROLES),
  /** Plaintext; hashed here and never stored or logged. Omit for an OIDC-only account. */
  password: z.string().optional(),
});

export interface DashboardUserView {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  createdAt: Date;
  lastSignInAt: Date | null;
  disabled: boolean;
  hasPassword: boolean;
}

const VIEW_SELECT = { id: true, email: true, name: true, role: true, createdAt: true, lastSignInAt: true, disabled: true, passwordHash: true } as const;

function toView(u: { passwordHash: string | null } & Omit<DashboardUserView, "hasPassword">): DashboardUserView {
  const { passwordHash, ...rest } = u;
  return { ...rest, hasPassword: passwordHash !== null };
}

/** Creates a dashboard user; a duplicate email is refused (409) whatever its case. Audited. */
export async function createDashboardUser(
  db: PrismaClient,
  input: z.input<typeof createUserInput>,
  by: Actor,
): Promise<DashboardUserView> {
  const { email, name, role, password } = parseInput(createUserInput, input);
  const passwordHash = password === undefined ? null : await hashPassword(password);
  return db.$transaction(async (tx) => {
    if (await tx.dashboardUser.findUnique({ where: { email }, select: { id: true } })) {
      throw new AppError("duplicate_name", `A user with the email ${email} already exists.`);
    }
    const user = await tx.dashboardUser.create({ data: { email, name: name || null, role, passwordHash }, select: VIEW_SELECT });
    await appendAuditEvent(tx, {
      actor: by.name, actorRole: by.role ?? null, origin: by.origin ?? null,
      action: "user.created", targetType: "dashboard_user", targetId: user.id,
      after: { email, name: user.name, role, signIn: passwordHash ? "password" : "oidc" },
      result: "success",
    });
    return toView(user);
  });
}

/** Disables (or re-enables) a user: disabling ends their sessions at once; their API tokens stop working. */
export async function setDashboardUserDisabled(db: PrismaClient, userId: string, disabled: boolean, by: Actor): Promise<DashboardUserView> {
  return db.$transaction(async (tx) => {
    const before = await tx.dashboardUser.findUnique({ where: { id: userId }, select: VIEW_SELECT });
    if (!before) throw new AppError("not_found", "No such user.");
    if (disabled && before.role === "admin" && !before.disabled) await refuseLastAdmin(tx, userId);
    const user = await tx.dashboardUser.update({ where: { id: userId }, data: { disabled }, select: VIEW_SELECT });
    if (disabled) await endUserSessions(tx, userId);
    await appendAuditEvent(tx, {
      actor: by.name, actorRole: by.role ?? null, origin: by.origin ?? null,
      action: disabled ? "user.disabled" : "user.enabled", targetType: "dashboard_user", targetId: userId,
      before: { email: before.email, disabled: before.disabled }, after: { email: user.email, disabled },
      result: "success",
    });
    return toView(user);
  });
}

/** Changes a user's role and ends their sessions; their tokens act with at most the new role. */
export async function setDashboardUserRole(db: PrismaClient, userId: string, role: Role, by: Actor): Promise<DashboardUserView> {
  return db.$transaction(async (tx) => {
    const before = await tx.dashboardUser.findUnique({ where: { id: userId }, select: VIEW_SELECT });
    if (!before) throw new AppError("not_found", "No such user.");
    if (before.role === "admin" && role !== "admin" && !before.disabled) await refuseLastAdmin(tx, userId);
    const user = await tx.dashboardUser.update({ where: { id: userId }, data: { role }, select: VIEW_SELECT });
    // Whoever held the old role signs in again: no session goes on with powers it was not opened with.
    if (before.role !== role) await endUserSessions(tx, userId);
    await appendAuditEvent(tx, {
      actor: by.name, actorRole: by.role ?? null, origin: by.origin ?? null,
      action: "user.role_changed", targetType: "dashboard_user", targetId: userId,
      before: { email: before.email, role: before.role }, after: { email: user.email, role },
      result: "success",
    });
    return toView(user);
  });
}

export async function listDashboardUsers(db: PrismaClient): Promise<DashboardUserView[]> {
  const users = await db.dashboardUser.findMany({ orderBy: { email: "asc" }, select: VIEW_SELECT });
  return users.map(toView);
}

type Tx = Prisma.TransactionClient;

/** Nobody could administer users any more: refuse, the CLI (user:create) being the only way back. */
async function refuseLastAdmin(tx: Tx, userId: string): Promise<void> {
  const others = await tx.dashboardUser.count({ where: { role: "admin", disabled: false, id: { not: userId } } });
  if (others === 0) throw new AppError("conflict", "This is the last enabled admin; make another user admin first.");
}
