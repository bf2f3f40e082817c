/**
 * Whether an error means a database or server could not be reached, refused the connection or dropped
 * it, as opposed to an answer about the data: such a failure is no verdict on the target (see
 * COULD_NOT_RUN).
 * Errors arrive raw (node-postgres, Node sockets) or wrapped in a message (pg_restore's stderr, an
 * AppError), so both the code and the text are looked at.
 */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "EPIPE"]);
// SQLSTATE class 08 (connection exception), class 28 (authentication refused), 3D000 (the database named
// in the URL does not exist), 57P01–57P03 (the server shut down or cannot accept connections yet).
const SQLSTATE = /^(08[0-9A-Z]{3}|28[0-9A-Z]{3}|3D000|57P0[123])$/;
const MESSAGE =
  /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)\b|connection terminated|terminating connection due to|connection error and is not queryable|connection refused|could not connect to server|the database system is (shutting down|starting up)|timeout expired|password authentication failed|^database "[^"]*" does not exist|: database "[^"]*" does not exist/i;

export function isConnectionFailure(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  if (SOCKET_CODES.has(code) || SQLSTATE.test(code)) return true;
  return typeof e?.message === "string" && MESSAGE.test(e.message);
}
