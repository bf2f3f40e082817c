/**
 * A checkpoint's own files: each component's manifest.json and what lies beside it (the config
 * engine's encrypted copies). The engines write and read them in BACKUP_DIR/checkpoints/<id>/. With
 * an S3 store they are also kept there, as records `checkpoints/<id>/<component>/<file>`, so a worker
 * with another BACKUP_DIR can verify, drill and restore the checkpoint: published before the backup is
 * marked complete (the manifest last, so a checkpoint without its manifest is never usable), fetched
 * into the local folder before a read (the manifest checked against the hash recorded in the metadata
 * database). With the folder store nothing here does anything: the folder is the store.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { AppContext } from "../context";
import { AppError } from "../domain/errors";
import { MANIFEST_FILE } from "../store/manifest";
import { sha256Buffer } from "../store/hashing";
import { ensurePrivateDir, PRIVATE_FILE_MODE } from "../store/private-files";
import { checkpointDir, componentDir } from "./backup-paths";
import { s3MediumFor } from "./engines-for-context";

type StoreContext = Pick<AppContext, "backupDir" | "backupStore">;

/** The prefix of a component backup's records in an S3 store. */
export const componentRecords = (checkpointId: string, component: string) => `checkpoints/${checkpointId}/${component}/`;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** Copies a finished component backup's files to the store; its manifest goes last. */
export async function publishComponentFiles(ctx: StoreContext, checkpointId: string, component: string): Promise<void> {
  const medium = s3MediumFor(ctx);
  if (!medium) return;
  const dir = componentDir(ctx.backupDir, checkpointId, component);
  const files = (await filesUnder(dir)).sort((a, b) => Number(a === MANIFEST_FILE) - Number(b === MANIFEST_FILE));
  if (files.at(-1) !== MANIFEST_FILE) throw new AppError("backup_failed", `the ${component} backup of checkpoint ${checkpointId} has no ${MANIFEST_FILE}`);
  for (const rel of files) await medium.replaceRecord(componentRecords(checkpointId, component) + rel.split(path.sep).join("/"), await fs.readFile(path.join(dir, rel)));
}

/**
 * Makes the component's files present in this worker's folder, from the store when they are not (or
 * their manifest is not the one recorded). A store without the manifest leaves no manifest here: the
 * read that follows reports the backup incomplete. A manifest whose hash is not `manifestSha256` is refused.
 */
export async function fetchComponentFiles(ctx: StoreContext, checkpointId: string, component: string, manifestSha256?: string | null): Promise<void> {
  const medium = s3MediumFor(ctx);
  if (!medium) return;
  const dir = componentDir(ctx.backupDir, checkpointId, component);
  const local = await fs.readFile(path.join(dir, MANIFEST_FILE)).catch(() => undefined);
  if (local && (!manifestSha256 || sha256Buffer(local) === manifestSha256)) return;
  const prefix = componentRecords(checkpointId, component);
  const names: string[] = [];
  for await (const name of medium.listRecords(prefix)) names.push(name);
  if (!names.includes(prefix + MANIFEST_FILE)) return;
  await ensurePrivateDir(checkpointDir(ctx.backupDir, checkpointId), ctx.backupDir);
  const temp = `${dir}.fetch-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    for (const name of names) {
      const rel = name.slice(prefix.length);
      const data = await medium.readRecord(name);
      if (!data) throw new AppError("verification_failed", `${rel} of the ${component} backup of checkpoint ${checkpointId} vanished from the store while it was read`);
      if (rel === MANIFEST_FILE && manifestSha256 && sha256Buffer(data) !== manifestSha256) {
        throw new AppError("verification_failed", `the ${component} manifest of checkpoint ${checkpointId} in the store does not match the hash recorded when it was written`);
      }
      const dest = path.join(temp, ...rel.split("/"));
      if (!dest.startsWith(temp + path.sep)) throw new AppError("verification_failed", `the store holds an unexpected name ${name}`);
      await ensurePrivateDir(path.dirname(dest), ctx.backupDir);
      await fs.writeFile(dest, data, { mode: PRIVATE_FILE_MODE, flag: "wx" });
    }
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(temp, dir);
  } finally {
    await fs.rm(temp, { recursive: true, force: true });
  }
}

/** Fetches every complete component backup of a checkpoint (see fetchComponentFiles). */
export async function fetchCheckpointFiles(ctx: StoreContext & Pick<AppContext, "db">, checkpointId: string): Promise<void> {
  if (!s3MediumFor(ctx)) return;
  const backups = await ctx.db.checkpointBackup.findMany({ where: { checkpointId, status: "complete" }, select: { component: true, manifestChecksum: true } });
  for (const b of backups) await fetchComponentFiles(ctx, checkpointId, b.component, b.manifestChecksum);
}

/** Removes a checkpoint's files from the store: manifests first, so what remains of it is never usable. */
export async function removeCheckpointFiles(ctx: StoreContext, checkpointId: string): Promise<void> {
  const medium = s3MediumFor(ctx);
  if (!medium) return;
  const names: string[] = [];
  for await (const name of medium.listRecords(`checkpoints/${checkpointId}/`)) names.push(name);
  names.sort((a, b) => Number(b.endsWith(`/${MANIFEST_FILE}`)) - Number(a.endsWith(`/${MANIFEST_FILE}`)));
  for (const name of names) await medium.removeRecord(name);
}

/**
 * Removes the stored files of checkpoints that failed or no longer exist (their removal was cut
 * short, e.g. the endpoint went away mid-checkpoint). A checkpoint still being taken has a row that
 * is not failed: its files stay.
 */
export async function removeOrphanCheckpointFiles(ctx: StoreContext & Pick<AppContext, "db">): Promise<number> {
  const medium = s3MediumFor(ctx);
  if (!medium) return 0;
  const ids = new Set<string>();
  for await (const name of medium.listRecords("checkpoints/")) ids.add(name.split("/")[1]!);
  let removed = 0;
  for (const id of ids) {
    const row = await ctx.db.checkpoint.findUnique({ where: { id }, select: { status: true } }).catch(() => undefined);
    if (row && row.status !== "failed") continue;
    await removeCheckpointFiles(ctx, id);
    removed += 1;
  }
  return removed;
}
