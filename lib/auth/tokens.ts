import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { PrismaClient } from "../db/generated/client";
import { appendAuditEvent } from "../audit/append-audit-event";
import type { Actor } from "../domain/actor";
import { AppError } from "../domain/errors";
import { parseInput } from "../domain/parse-input";
import { ROLES, roleAtLeast, type Role } from "./permissions";

export const TOKEN_PREFIX = "mct_";
const TOKEN_PATTERN = /^mct_[A-Za-z0-9_-]{43}$/;
/** lastUsedAt is written at most this often per token, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Who a bearer token acts as: `token:<name>` in the audit trail, with the token's role. */
export interface TokenActor extends Actor {
  name: string;
  role: Role;
  kind: "token";
  tokenId: string;
}

export interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const VIEW_SELECT = { id: true, name: true, prefix: true, role: true, createdBy: true, createdAt: true, lastUsedAt: true, revokedAt: true } as const;

const createTokenInput = z.object({
  name: z.string().trim().min(1).max(60).regex(/^[\w .:@-]+$/, "letters, digits, space and . _ : @ - only"),
  role: z.enum(ROLES),
});

export function hashToken(plaintext: string): string {
  return createHash("sha256").update(plaintext, "utf8").digest("hex");
}

/**
 * Creates a token: `mct_` + 32 random bytes (base64url). Returns the plaintext, once: only its
 * sha256 is stored. Audited with its name, role and prefix, never the token.
 */
export async function createApiToken(
  db: PrismaClient,
  input: { name: string; role: Role; createdBy: Actor & { userId?: string } },
): Promise<{ token: string; apiToken: ApiTokenView }> {
  const { name, role } = parseInput(createTokenInput, { name: input.name, role: input.role });
  const by = input.createdBy;
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const apiToken = await db.$transaction(async (tx) => {
    const row = await tx.apiToken.create({
      // A signed-in creator is recorded by id: the token never outranks them (authenticateBearer).
      data: { name, role, tokenHash: hashToken(token), prefix: token.slice(0, 8), createdBy: by.name, createdByUserId: by.userId ?? null },
      select: VIEW_SELECT,
    });
    await appendAuditEvent(tx, {
      actor: by.name, actorRole: by.role ?? null, origin: by.origin ?? null,
      action: "token.created", targetType: "api_token", targetId: row.id,
      after: { name, role, prefix: row.prefix },
      result: "success",
    });
    return row;
  });
  return { token, apiToken };
}

/** Revokes a token for good; requests bearing it are refused from then on. Audited. */
export async function revokeApiToken(db: PrismaClient, tokenId: string, by: Actor): Promise<ApiTokenView> {
  return db.$transaction(async (tx) => {
    const before = await tx.apiToken.findUnique({ where: { id: tokenId }, select: VIEW_SELECT });
    if (!before) throw new AppError("not_found", "No such API token.");
    if (before.revokedAt) return before;
    const row = await tx.apiToken.update({ where: { id: tokenId }, data: { revokedAt: new Date() }, select: VIEW_SELECT });
    await appendAuditEvent(tx, {
      actor: by.name, actorRole: by.role ?? null, origin: by.origin ?? null,
      action: "token.revoked", targetType: "api_token", targetId: tokenId,
      before: { name: before.name, role: before.role, prefix: before.prefix },
      result: "success",
    });
    return row;
  });
}

export async function listApiTokens(db: PrismaClient): Promise<ApiTokenView[]> {
  return db.apiToken.findMany({ orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }], select: VIEW_SELECT });
}

/**
 * `Authorization: Bearer mct_…` → the token's actor, or null when the header is absent, malformed,
 * unknown or revoked, or its creator is disabled. It acts with the lesser of its own role and its
 * creator's role now (a demoted admin's token is demoted with them); a token made on the command
 * line has no dashboard creator and keeps its role. Looked up by its sha256, so the plaintext is
 * never compared or stored.
 */
export async function authenticateBearer(db: PrismaClient, authorizationHeader: string | null | undefined, origin?: string | null): Promise<TokenActor | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader ?? "");
  const token = match?.[1];
  if (!token || !TOKEN_PATTERN.test(token)) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { id: true, name: true, role: true, revokedAt: true, lastUsedAt: true, createdByUserId: true, creator: { select: { role: true, disabled: true } } },
  });
  if (!row || row.revokedAt) return null;
  if (row.createdByUserId && (!row.creator || row.creator.disabled)) return null;
  const role = row.creator ? lesserRole(row.role, row.creator.role) : row.role;
  const now = Date.now();
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
  }
  return { name: `token:${row.name}`, role, origin: origin ?? null, kind: "token", tokenId: row.id };
}

function lesserRole(a: Role, b: Role): Role {
  return roleAtLeast(a, b) ? b : a;
}
