import path from "node:path";
import { ERRORS } from "./errors";

// Control characters and backslashes never belong in a bucket id; storage-api refuses them too.
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f\\]/;
/**
 * The characters storage-api v1.70.6 takes in a key (src/storage/limits.ts, VALID_OBJECT_KEY): S3's
 * safe ones. Non-ASCII, "%", "#" and "\\" are refused with 400 InvalidKey. It sets no length of its
 * own; like its file backend, a segment over 255 bytes fails when the file is written (500).
 */
const VALID_OBJECT_KEY = /^[A-Za-z0-9_/!.*'() &$=@;:+,?-]+$/;

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
 * An object key: storage-api's characters, segments separated by "/", none "." or ".." (its file
 * backend refuses those too, with InvalidKey). Deliberately unlike storage-api, which takes them, an
 * empty segment ("a//b", "/a", "a/") is refused: bytes live at filesDir/<bucket>/<key>, where "a//b"
 * and "a/b" would share a file and "a/" would be a folder.
 */
export function checkObjectKey(key: string): string {
  if (!VALID_OBJECT_KEY.test(key)) throw ERRORS.invalidKey(key);
  return checkStoredKey(key);
}

/**
 * A key already held (a row of storage.objects, e.g. from an older storage-api that took any
 * character) has only the file layout's limits: no control character, backslash, empty, "." or ".."
 * segment.
 */
function checkStoredKey(key: string): string {
  if (!key || FORBIDDEN_CHARS.test(key)) throw ERRORS.invalidKey(key);
  for (const segment of key.split("/")) {
    if (segment === "" || segment === "." || segment === "..") throw ERRORS.invalidKey(key);
  }
  return key;
}

/** Where an object's bytes live: `filesDir/<bucket>/<key>`, checked to stay inside filesDir. */
export function objectFilePath(filesDir: string, bucket: string, key: string): string {
  const root = path.resolve(filesDir);
  const full = path.resolve(root, checkBucketId(bucket), ...checkStoredKey(key).split("/"));
  if (!full.startsWith(root + path.sep)) throw ERRORS.invalidKey(key);
  return full;
}

/** Uploads are written here first (same filesystem, so the final rename is atomic). */
export function uploadTempDir(filesDir: string): string {
  return path.join(path.resolve(filesDir), ".uploads");
}
