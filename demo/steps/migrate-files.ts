import { mkdir, rename, writeFile } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { AppError } from "../../lib/domain/errors";
import { recordStepInConfig } from "../target/app-config";
import type { DemoContext, DemoFaults, DemoStepResult } from "./context";

const PARALLEL = 4;

interface SourceObject {
  bucket: string;
  name: string;
  size: number;
}

/**
 * Copies every Storage object's bytes to storageDir/<bucket>/<name>, reading them through
 * ctx.readSourceObject (supabase-js in the demo). Each file is written to a temp name and renamed,
 * so a half-copied file never sits under its real name.
 */
export async function migrateFiles(ctx: DemoContext, faults: DemoFaults = {}): Promise<DemoStepResult> {
  const { objects, buckets } = await listSourceObjects(ctx.sourceUrl);
  // The fault: the first n non-empty objects (bucket, name order) get one byte flipped.
  const toCorrupt = new Set(
    objects
      .filter((o) => o.size > 0)
      .slice(0, faults.corruptFile ?? 0)
      .map((o) => `${o.bucket}/${o.name}`),
  );
  if (faults.corruptFile && toCorrupt.size < faults.corruptFile) {
    throw new AppError("bad_request", `Cannot corrupt ${faults.corruptFile} files: the source has ${toCorrupt.size}`);
  }
  let bytes = 0;
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const o = objects[next++]!;
      const copied = await copyObject(ctx, o, toCorrupt.has(`${o.bucket}/${o.name}`));
      bytes += copied; // after the await: `bytes += await …` would lose concurrent additions
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  await recordStepInConfig(ctx.configDir, "files_migrated", (c) => {
    c.storage.buckets = Object.fromEntries(buckets.map((b) => [b.id, { public: b.public }]));
  });
  return {
    id: "migrate_files",
    phase: "files_migrated",
    details: { files: objects.length, bytes, ...(toCorrupt.size > 0 && { corrupted: [...toCorrupt] }) },
  };
}

async function listSourceObjects(sourceUrl: string) {
  const client = new pg.Client({ connectionString: sourceUrl });
  await client.connect();
  try {
    const objects = await client.query(
      `SELECT bucket_id AS bucket, name, coalesce((metadata->>'size')::bigint, 0)::float8 AS size
       FROM storage.objects ORDER BY bucket_id, name`,
    );
    const buckets = await client.query(`SELECT id, public FROM storage.buckets ORDER BY id`);
    return {
      objects: objects.rows as SourceObject[],
      buckets: buckets.rows as { id: string; public: boolean }[],
    };
  } finally {
    await client.end();
  }
}

/** storageDir/<bucket>/<name>, refusing names that would escape the storage dir. */
export function targetFilePath(storageDir: string, bucket: string, name: string): string {
  const segments = [bucket, ...name.split("/")];
  if (segments.some((s) => s === "" || s === "." || s === ".." || s.includes("\\") || s.includes("\0"))) {
    throw new AppError("unprocessable", `Refusing to copy Storage object with unsafe path "${bucket}/${name}"`);
  }
  return path.join(storageDir, ...segments);
}

async function copyObject(ctx: DemoContext, o: SourceObject, corrupt: boolean): Promise<number> {
  const file = targetFilePath(ctx.storageDir, o.bucket, o.name);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.part`;
  const body = await ctx.readSourceObject(o.bucket, o.name);
  let size: number;
  if (Buffer.isBuffer(body) || corrupt) {
    const buf = Buffer.isBuffer(body) ? Buffer.from(body) : await readAll(body);
    if (corrupt) buf[buf.length >> 1] = buf[buf.length >> 1]! ^ 0xff;
    await writeFile(tmp, buf);
    size = buf.length;
  } else {
    let n = 0;
    body.on("data", (chunk: Buffer) => (n += chunk.length));
    await pipeline(body, createWriteStream(tmp));
    size = n;
  }
  await rename(tmp, file);
  return size;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
