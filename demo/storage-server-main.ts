/**
 * The Storage API stand-in as a process of its own, as a real Storage server would be (e.g. for a
 * benchmark that should not share its event loop and CPU with it). Configured through the environment
 * (the key stays out of the process list): STORAGE_DATABASE_URL, STORAGE_FILES_DIR,
 * STORAGE_SERVICE_ROLE_KEY, optional STORAGE_PORT. Prints `{"url": …}` on one line once listening;
 * stops on SIGTERM or SIGINT.
 */
import { startStorageServer } from "./storage-server";

const need = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const server = await startStorageServer({
  databaseUrl: need("STORAGE_DATABASE_URL"),
  filesDir: need("STORAGE_FILES_DIR"),
  serviceRoleKey: need("STORAGE_SERVICE_ROLE_KEY"),
  port: process.env.STORAGE_PORT ? Number(process.env.STORAGE_PORT) : undefined,
});
process.stdout.write(JSON.stringify({ url: server.url }) + "\n");
const stop = () => void server.stop().finally(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
