/**
 * storage-api's error bodies. The real service answers every error below 500 with HTTP 400 and
 * names the error's own status as text in the body (`statusCode: "404"`); supabase-js surfaces that
 * as `error.status === 400`, `error.statusCode === "404"`, `error.code === "NoSuchKey"`.
 */
export interface StorageErrorBody {
  statusCode: string;
  code?: string;
  error: string;
  message: string;
}

export class StorageHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly error: string,
    message: string,
  ) {
    super(message);
    this.name = "StorageHttpError";
  }

  /** The HTTP status the real service sends: 500 stays 500, 416 too (its range errors), every other error is sent as 400. */
  get httpStatus(): number {
    return this.statusCode >= 500 ? 500 : this.statusCode === 416 ? 416 : 400;
  }

  body(): StorageErrorBody {
    return { statusCode: String(this.statusCode), code: this.code, error: this.error, message: this.message };
  }
}

export const ERRORS = {
  noSuchBucket: () => new StorageHttpError(404, "NoSuchBucket", "Bucket not found", "Bucket not found"),
  noSuchKey: () => new StorageHttpError(404, "NoSuchKey", "not_found", "Object not found"),
  accessDenied: (message: string) => new StorageHttpError(403, "AccessDenied", "Unauthorized", message),
  bucketAlreadyExists: () => new StorageHttpError(409, "BucketAlreadyExists", "Duplicate", "The resource already exists"),
  keyAlreadyExists: () => new StorageHttpError(409, "KeyAlreadyExists", "Duplicate", "The resource already exists"),
  invalidKey: (key: string) => new StorageHttpError(400, "InvalidKey", "InvalidKey", `Invalid key: ${key}`),
  invalidBucketName: () => new StorageHttpError(400, "InvalidBucketName", "Invalid Input", "Bucket name invalid"),
  invalidRequest: (message: string) => new StorageHttpError(400, "InvalidRequest", "Error", message),
  entityTooLarge: () =>
    new StorageHttpError(413, "EntityTooLarge", "Payload too large", "The object exceeded the maximum allowed size"),
  invalidMimeType: (mime: string) =>
    new StorageHttpError(415, "InvalidMimeType", "invalid_mime_type", `mime type ${mime} is not supported`),
  invalidRange: () => new StorageHttpError(416, "InvalidRange", "invalid_range", "invalid range provided"),
  internal: () => new StorageHttpError(500, "InternalError", "Internal", "Internal Server Error"),
};

/** The renderer's answer when the metadata row exists but the bytes do not (storage-api renderer.ts). */
export const MISSING_BYTES_BODY = { error: "Not found", message: "The resource was not found", statusCode: "404" };
