import path from "node:path";
import { ERRORS } from "./errors";

// Control characters and backslashes never belong in a key; storage-api refuses them too.
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f\\]/;
const MAX_KEY_LENGTH = 1024;

export function decodePathPart(raw: string, onError: () => Error): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw onError();
  }
}

/** A bucket id from a URL or a body: one path segment, not hidden, no traversal. */
export function checkBucketId(id: string): string {
  if (!id || id.length > 100 || id.includes("/") || id.startsWith(".") || FORBIDDEN_CHARS.test(id)) {
    throw ERRORS.invalidBucketName();
  }
  return id;
}

/**
 * An object key: segments separated by "/", none empty, "." or "..". Refusing empty segments keeps
 * the key → file mapping one-to-one ("a//b" and "a/b" would otherwise share a file).
 */
export function checkObjectKey(key: string): string {
  if (!key || key.length > MAX_KEY_LENGTH || FORBIDDEN_CHARS.test(key)) throw ERRORS.invalidKey(key);
  for (const segment of key.split("/")) {
    if (segment === "" || segment === "." || segment === "..") throw ERRORS.invalidKey(key);
  }
  return key;
}

/** Where an object's bytes live: `filesDir/<bucket>/<key>`, checked to stay inside filesDir. */
export function objectFilePath(filesDir: string, bucket: string, key: string): string {
  const root = path.resolve(filesDir);
  const full = path.resolve(root, checkBucketId(bucket), ...checkObjectKey(key).split("/"));
  if (!full.startsWith(root + path.sep)) throw ERRORS.invalidKey(key);
  return full;
}

/** Uploads are written here first (same filesystem, so the final rename is atomic). */
export function uploadTempDir(filesDir: string): string {
  return path.join(path.resolve(filesDir), ".uploads");
}
