import { spawn } from "node:child_process";
import { promises as fs, constants as fsConstants } from "node:fs";
import path from "node:path";
import { AppError } from "../domain/errors";

export { passwordOfUrl as passwordOf, redactSecrets, redactUrl } from "../domain/redact-secrets";
import { passwordOfUrl as passwordOf, redactUrl } from "../domain/redact-secrets";

/** Name of the database a connection string points at. */
export function databaseNameOf(databaseUrl: string): string {
  let u: URL;
  try {
    u = new URL(databaseUrl);
  } catch {
    throw new AppError("configuration_error", `not a valid PostgreSQL connection string: ${redactUrl(databaseUrl)}`);
  }
  const name = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (!name) throw new AppError("configuration_error", `connection string names no database: ${redactUrl(databaseUrl)}`);
  return name;
}

/** Same server and credentials, another database. */
export function urlForDatabase(databaseUrl: string, database: string): string {
  const u = new URL(databaseUrl);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/**
 * Arguments for libpq tools: the connection string WITHOUT its password (which would show in `ps`
 * and in logs) and an environment carrying the password as PGPASSWORD.
 */
export function toolConnection(databaseUrl: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(databaseUrl);
  const password = passwordOf(databaseUrl);
  u.password = "";
  u.searchParams.delete("password");
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PGPASSWORD;
  if (password) env.PGPASSWORD = password;
  return { dbname: u.toString(), env };
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    await fs.access(p, fsConstants.X_OK);
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of a PostgreSQL client tool, from `binDir` when given, else from PATH. */
export async function resolvePgBinary(name: "pg_dump" | "pg_restore", binDir?: string): Promise<string> {
  const dirs = binDir ? [binDir] : (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  throw new AppError(
    "configuration_error",
    `${name} not found: install postgresql-client (matching the server's major version)` +
      (binDir ? ` or fix PG_BIN_DIR (looked in ${binDir})` : " or set PG_BIN_DIR"),
  );
}

export interface RunResult {
  code: number | null;
  /** The last part of stderr (enough to explain a failure, bounded in memory). */
  stderr: string;
}

const STDERR_KEEP = 16 * 1024;

/** Runs a tool without a shell; stderr lines are streamed to `onStderrLine` and the tail kept. */
export function runTool(opts: {
  bin: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onStderrLine?: (line: string) => void;
}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.bin, opts.args, { env: opts.env, stdio: ["ignore", "pipe", "pipe"], signal: opts.signal });
    let stderr = "";
    let partial = "";
    child.stdout.resume();
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
      if (!opts.onStderrLine) return;
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) opts.onStderrLine(line);
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") {
        reject(new AppError("configuration_error", `${path.basename(opts.bin)} not found: install postgresql-client`));
      } else reject(e);
    });
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

/** Major version of a PostgreSQL client tool, from `--version` ("pg_dump (PostgreSQL) 15.18 …"). */
export async function toolMajorVersion(bin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.on("error", reject);
    child.on("close", () => {
      const m = /\(PostgreSQL\)\s+(\d+)/.exec(out);
      if (!m) reject(new AppError("configuration_error", `cannot read the version of ${bin}: "${out.trim()}"`));
      else resolve(Number(m[1]));
    });
  });
}
