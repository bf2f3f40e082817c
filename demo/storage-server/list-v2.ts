import type { IncomingMessage, ServerResponse } from "node:http";
import type pg from "pg";
import { z } from "zod";
import { resolveRole } from "./auth";
import { ERRORS } from "./errors";
import { readJson, sendJson, type ServerContext } from "./http";
import { checkBucketId } from "./paths";

/**
 * POST /object/list-v2/:bucket — storage-api's cursor-paged listing (ObjectStorage.listObjectsV2).
 * Without `with_delimiter` every object under the prefix, at any depth, by full key; with it one level:
 * "folders" (the common prefixes, full key ending in "/", id null) and the objects of that level.
 * At most `limit` entries (default and cap 1000) per answer; `hasNext` and an opaque `nextCursor`
 * (base64 of "l:<last name>" lines, as storage-api encodes it) lead to the next page.
 * Differences kept on purpose: the prefix is matched literally (storage-api uses `like`, so its "_"
 * and "%" act as wildcards), and with `with_delimiter` only the name order is served.
 */

const MAX_KEYS = 1000;
const DELIMITER = "/";

const body = z.object({
  prefix: z.string().optional(),
  limit: z.number().int().min(1).optional(),
  cursor: z.string().optional(),
  with_delimiter: z.boolean().optional(),
  sortBy: z
    .object({
      column: z.enum(["name", "updated_at", "created_at"]),
      order: z.enum(["asc", "desc"]).optional(),
    })
    .optional(),
});

interface Cursor {
  startAfter: string;
  sortOrder?: string;
  sortColumn?: string;
  sortColumnAfter?: string;
}

const CURSOR_PARTS: Record<string, keyof Cursor> = { l: "startAfter", o: "sortOrder", c: "sortColumn", a: "sortColumnAfter" };

export function encodeListCursor(cursor: Cursor): string {
  const lines = Object.entries(CURSOR_PARTS)
    .filter(([, field]) => cursor[field])
    .map(([k, field]) => `${k}:${cursor[field]}`);
  return Buffer.from(lines.join("\n")).toString("base64");
}

export function decodeListCursor(token: string): Cursor {
  const cursor: Cursor = { startAfter: "", sortOrder: "asc" };
  for (const line of Buffer.from(token, "base64").toString().split("\n")) {
    const m = /^(\S):(.*)$/.exec(line);
    const field = m ? CURSOR_PARTS[m[1]!] : undefined;
    if (!m || !field) throw ERRORS.invalidRequest("Invalid continuation token");
    cursor[field] = m[2]!;
  }
  return cursor;
}

interface Entry {
  id: string | null;
  name: string;
  updated_at?: Date | null;
  created_at?: Date | null;
  [column: string]: unknown;
}

const OBJECT_COLUMNS = "id, name, metadata, updated_at, created_at, last_accessed_at";

/** The first key after every key inside a folder (bytewise): "a/b/" → "a/b0". */
function afterFolder(folder: string): string {
  return folder.slice(0, -1) + String.fromCharCode(DELIMITER.charCodeAt(0) + 1);
}

/** Every object under the prefix in the requested order, `max` rows from after the cursor. */
async function listFlat(db: pg.Pool, bucket: string, prefix: string, max: number, order: "asc" | "desc", sortColumn: string | undefined, cursor: Cursor | undefined): Promise<Entry[]> {
  const params: unknown[] = [bucket, prefix, max];
  const op = order === "asc" ? ">" : "<";
  let after = "";
  if (cursor?.startAfter) {
    if (sortColumn && cursor.sortColumnAfter) {
      params.push(cursor.sortColumnAfter, cursor.startAfter);
      after = `and (date_trunc('milliseconds', ${sortColumn}), name collate "C") ${op} ($4::timestamptz, $5::text collate "C")`;
    } else {
      params.push(cursor.startAfter);
      after = `and name collate "C" ${op} $4`;
    }
  }
  const sort = sortColumn ? `${sortColumn} ${order}, name collate "C" ${order}` : `name collate "C" ${order}`;
  const { rows } = await db.query(
    `select ${OBJECT_COLUMNS} from storage.objects
      where bucket_id = $1 and starts_with(name, $2) ${after}
      order by ${sort} limit $3`,
    params,
  );
  return rows as Entry[];
}

/**
 * One level under the prefix in name order: objects as rows, and each deeper folder once (its first
 * object's key cut after the delimiter), skipping past the folder's keys with the next query, as
 * storage-api's search_v2 does. Up to `max` entries from after the cursor.
 */
async function listLevel(db: pg.Pool, bucket: string, prefix: string, max: number, order: "asc" | "desc", cursor: Cursor | undefined): Promise<Entry[]> {
  const asc = order === "asc";
  const entries: Entry[] = [];
  // Where the next query starts: [key, inclusive]; null: from the end (descending, first query).
  let seek: [string, boolean] | null = asc ? [prefix, true] : null;
  const last = cursor?.startAfter;
  if (last) seek = last.endsWith(DELIMITER) ? (asc ? [afterFolder(last), true] : [last, false]) : [last, false];
  const batch = Math.min(Math.max(max * 2, 100), 1000);
  // storage-api names each entry of a level by its `key` too: the name after the prefix's last "/".
  const levelStart = prefix.lastIndexOf(DELIMITER) + 1;
  while (entries.length < max) {
    const cond = seek === null ? "" : `and name collate "C" ${asc ? ">" : "<"}${seek[1] ? "=" : ""} $4`;
    const { rows } = await db.query(
      `select ${OBJECT_COLUMNS} from storage.objects
        where bucket_id = $1 and starts_with(name, $2) ${cond}
        order by name collate "C" ${order} limit $3`,
      seek === null ? [bucket, prefix, batch] : [bucket, prefix, batch, seek[0]],
    );
    let folderHit = false;
    for (const row of rows as Entry[]) {
      const cut = row.name.indexOf(DELIMITER, prefix.length);
      if (cut >= 0) {
        const folder = row.name.slice(0, cut + 1);
        entries.push({ key: folder.slice(levelStart, -1), name: folder, id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null });
        seek = asc ? [afterFolder(folder), true] : [folder, false];
        folderHit = true;
        break;
      }
      entries.push({ key: row.name.slice(levelStart), ...row });
      seek = [row.name, false];
      if (entries.length >= max) break;
    }
    if (!folderHit && rows.length < batch) break;
  }
  return entries;
}

export async function listObjectsV2(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, bucketId: string) {
  const role = resolveRole(req.headers, ctx.keys);
  checkBucketId(bucketId);
  const parsed = body.safeParse(await readJson(req));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw ERRORS.invalidRequest(`body/${issue?.path.join("/") ?? ""} ${issue?.message ?? "is invalid"}`);
  }
  const b = parsed.data;
  const limit = Math.min(b.limit ?? MAX_KEYS, MAX_KEYS);
  const prefix = b.prefix ?? "";
  const cursor = b.cursor ? decodeListCursor(b.cursor) : undefined;
  const order = (cursor?.sortOrder || b.sortBy?.order || "asc") === "desc" ? "desc" : "asc";
  const column = cursor?.sortColumn || b.sortBy?.column;
  // "name" is the default order and the tie breaker of the others.
  const sortColumn = column === "updated_at" || column === "created_at" ? column : undefined;
  const empty = { hasNext: false, folders: [], objects: [] };
  // Like storage-api, an unknown bucket lists as empty; so does every bucket for anon, public ones too
  // (row-level security on storage.objects grants anon nothing by default).
  if (role === "anon") return sendJson(res, 200, empty);
  if (b.with_delimiter && sortColumn) {
    throw ERRORS.invalidRequest("this Storage stand-in lists with a delimiter in name order only");
  }
  const rows = b.with_delimiter
    ? await listLevel(ctx.db, bucketId, prefix, limit + 1, order, cursor)
    : await listFlat(ctx.db, bucketId, prefix, limit + 1, order, sortColumn, cursor);
  const hasNext = rows.length > limit;
  const page = hasNext ? rows.slice(0, limit) : rows;
  let nextCursor: string | undefined;
  if (hasNext) {
    const lastEntry = page[page.length - 1]!;
    const lastValue = sortColumn ? lastEntry[sortColumn] : undefined;
    nextCursor = encodeListCursor({
      startAfter: lastEntry.name,
      sortOrder: cursor?.sortOrder || b.sortBy?.order,
      sortColumn: column,
      sortColumnAfter: lastValue instanceof Date ? lastValue.toISOString() : undefined,
    });
  }
  sendJson(res, 200, {
    hasNext,
    nextCursor,
    nextCursorKey: hasNext ? page[page.length - 1]!.name : undefined,
    folders: page.filter((e) => e.id === null),
    objects: page.filter((e) => e.id !== null),
  });
}
