/**
 * Backups are readable by their owner only: files 0600, folders 0700. Modes are set explicitly
 * (chmod after create), so a permissive umask of the process cannot widen them.
 */
import { promises as fs } from "node:fs";
import path from "node:path";

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates `dir` (and the folders between `root` and it) as 0700; existing ones are narrowed to 0700. */
export async function ensurePrivateDir(dir: string, root: string): Promise<void> {
  const abs = path.resolve(dir);
  // One call in the usual case: the folder is there and private already.
  const st = await fs.lstat(abs).catch(() => undefined);
  if (st?.isDirectory() && (st.mode & 0o777) === PRIVATE_DIR_MODE) return;
  const base = path.resolve(root);
  const rel = path.relative(base, abs);
  const chain = [base];
  if (rel && !rel.startsWith("..") && !path.isAbsolute(rel)) {
    let walked = base;
    for (const part of rel.split(path.sep)) chain.push((walked = path.join(walked, part)));
  } else if (rel) {
    chain.push(abs);
  }
  for (const d of chain) {
    await fs.mkdir(d, { mode: PRIVATE_DIR_MODE }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e;
    });
    await fs.chmod(d, PRIVATE_DIR_MODE);
  }
}

/** Narrows every folder and file under `root` (itself included) to 0700 / 0600; links are left alone. */
export async function makeTreePrivate(root: string): Promise<void> {
  const st = await fs.lstat(root).catch(() => undefined);
  if (!st || st.isSymbolicLink()) return;
  if (st.isFile()) return fs.chmod(root, PRIVATE_FILE_MODE);
  if (!st.isDirectory()) return;
  await fs.chmod(root, PRIVATE_DIR_MODE);
  for (const e of await fs.readdir(root, { withFileTypes: true })) await makeTreePrivate(path.join(root, e.name));
}
