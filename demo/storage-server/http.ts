import type { IncomingMessage, ServerResponse } from "node:http";
import { once } from "node:events";
import type pg from "pg";
import { ERRORS } from "./errors";
import type { AuthKeys } from "./auth";

/** What every route handler gets: the metadata database, the bytes' root and the keys. */
export interface ServerContext {
  db: pg.Pool;
  filesDir: string;
  keys: AuthKeys;
  maxUploadBytes: number;
  /** Whether POST /object/list-v2 exists (storage-api added it later; older servers answer 404). */
  listV2: boolean;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : text);
}

const MAX_JSON_BYTES = 1024 * 1024;

/** Reads a small JSON body (list and remove requests), refusing anything over 1 MiB. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) throw ERRORS.entityTooLarge();
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw ERRORS.invalidRequest("Body is not valid JSON");
  }
}

/**
 * Reads and drops what is left of a request body before answering an error: a client still sending
 * an upload would otherwise see a reset connection instead of the error body.
 */
export async function drainRequest(req: IncomingMessage): Promise<void> {
  if (req.complete || req.destroyed) return;
  req.resume();
  await Promise.race([once(req, "end"), once(req, "close")]).catch(() => undefined);
}
