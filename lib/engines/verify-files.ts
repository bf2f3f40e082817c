import { promises as fs } from "node:fs";
import { MANIFEST_FILE, tryReadManifest, type Manifest } from "../store/manifest";
import { sha256File } from "../store/hashing";
import type { Component, VerifyProblem, VerifyReport } from "./types";
import { resolveInside, walkTree } from "./walk";

export type ManifestCheck =
  | { ok: true; manifest: Manifest }
  | { ok: false; report: VerifyReport };

/** Reads the manifest of a backup folder and checks it belongs to the expected component/engine. */
export async function loadManifestForVerify(backupDir: string, component: Component, engine: string): Promise<ManifestCheck> {
  const read = await tryReadManifest(backupDir);
  if (!read.ok) {
    return { ok: false, report: { ok: false, problems: [{ path: MANIFEST_FILE, kind: read.kind, message: read.message }] } };
  }
  const m = read.manifest;
  if (m.component !== component || m.engine !== engine) {
    return {
      ok: false,
      report: {
        ok: false,
        problems: [
          {
            path: MANIFEST_FILE,
            kind: "manifest_invalid",
            expected: `${component}/${engine}`,
            actual: `${m.component}/${m.engine}`,
            message: "manifest belongs to another component or engine",
          },
        ],
      },
    };
  }
  return { ok: true, manifest: m };
}

/**
 * Checks every file a manifest lists inside `backupDir` (size, then sha256) and reports files the
 * manifest does not list. Why hash everything: one flipped byte in a dump restores "successfully".
 */
export async function verifyFilesAgainstManifest(backupDir: string, manifest: Manifest): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const abs = resolveInside(backupDir, f.path);
    let size: number;
    try {
      // lstat: a link in the backup folder is not a backup file, and is not followed.
      const st = await fs.lstat(abs);
      if (!st.isFile()) throw Object.assign(new Error("not a file"), { code: "ENOENT" });
      size = st.size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      problems.push({ path: f.path, kind: "missing", expected: f.sha256 });
      continue;
    }
    const actual = await sha256File(abs);
    if (actual.sha256 !== f.sha256 || size !== f.size) {
      problems.push({
        path: f.path,
        kind: "altered",
        expected: f.sha256,
        actual: actual.sha256,
        message: size !== f.size ? `size ${size} instead of ${f.size}` : "content differs",
      });
    }
  }
  for await (const e of walkTree(backupDir)) {
    if (e.kind === "dir" || e.rel === MANIFEST_FILE || listed.has(e.rel)) continue;
    problems.push({ path: e.rel, kind: "unexpected" });
  }
  return problems;
}
