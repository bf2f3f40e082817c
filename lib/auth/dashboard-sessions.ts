import type { Prisma, PrismaClient } from "../db/generated/client";

/**
 * Server-side sessions of the dashboard. Auth.js v4 runs here with JWT sessions because its
 * Credentials provider (email + password) works only with them: the "database" strategy refuses it.
 * So the JWT carries the id of a row of `dashboard_sessions` (`sid`), and every request that reads
 * a session (REST API, pages, server actions: lib/auth/session-actor.ts) checks that row. Signing
 * out deletes it; disabling a user or changing their role deletes all of theirs: the cookie, still
 * validly signed, then opens nothing. A row's lifetime is fixed at sign-in (SESSION_MAX_AGE_SECONDS).
 */
type Tx = Prisma.TransactionClient | PrismaClient;

export interface OpenedSession {
  id: string;
  /** Epoch seconds of the sign-in. */
  authTime: number;
}

export async function openDashboardSession(
  db: PrismaClient,
  input: { userId: string; method: "password" | "oidc"; origin: string | null; maxAgeSeconds: number },
): Promise<OpenedSession> {
  const now = new Date();
  // Expired rows are of no use to anyone; sign-ins are rare enough to clear them here.
  await db.session.deleteMany({ where: { expiresAt: { lt: now } } });
  const row = await db.session.create({
    data: { userId: input.userId, method: input.method, origin: input.origin?.slice(0, 100) ?? null, authTime: now, expiresAt: new Date(now.getTime() + input.maxAgeSeconds * 1000) },
    select: { id: true, authTime: true },
  });
  return { id: row.id, authTime: Math.floor(row.authTime.getTime() / 1000) };
}

/** Sign-out: the session ends now, whatever the browser keeps. */
export async function endDashboardSession(db: Tx, sessionId: string): Promise<void> {
  if (!UUID.test(sessionId)) return;
  await db.session.deleteMany({ where: { id: sessionId } });
}

/** Every session of a user ends now (disabled, role changed). Run inside the change's transaction. */
export async function endUserSessions(db: Tx, userId: string): Promise<number> {
  return (await db.session.deleteMany({ where: { userId } })).count;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The live session `sessionId` of `userId` with its user, or null (ended, expired, another user's). */
export async function findLiveSession(db: PrismaClient, sessionId: string, userId: string) {
  if (!UUID.test(sessionId) || !UUID.test(userId)) return null;
  const row = await db.session.findUnique({
    where: { id: sessionId },
    select: { userId: true, authTime: true, expiresAt: true, user: { select: { id: true, email: true, role: true, disabled: true } } },
  });
  if (!row || row.userId !== userId || row.expiresAt.getTime() <= Date.now() || row.user.disabled) return null;
  return { user: row.user, authTime: Math.floor(row.authTime.getTime() / 1000) };
}
