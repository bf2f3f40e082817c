import { createHash } from "node:crypto";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { createPrng, hashUnit, subSeed, uuidFor } from "./prng";
import { DEMO_EPOCH, supabaseAuthenticatedUrl, type DemoPlan } from "./plan";

export const DEMO_BUCKETS = [
  { id: "avatars", public: true, fileSizeLimit: 1048576, allowedMimeTypes: ["image/png", "image/jpeg", "image/webp"] },
  { id: "attachments", public: false, fileSizeLimit: 10485760, allowedMimeTypes: null },
] as const;

export interface PlannedObject {
  index: number;
  id: string;
  bucket: "avatars" | "attachments";
  name: string;
  owner: string;
  mimetype: string;
  size: number;
  createdAt: string;
  /** For attachments: the task it belongs to and its display name. */
  taskId?: number;
  fileName?: string;
}

const AVATAR_TYPES = [
  { ext: "png", mime: "image/png" },
  { ext: "jpg", mime: "image/jpeg" },
  { ext: "webp", mime: "image/webp" },
];
const ATTACHMENT_TYPES = [
  { name: "spec.pdf", mime: "application/pdf" },
  { name: "screenshot.png", mime: "image/png" },
  { name: "notes.txt", mime: "text/plain" },
  { name: "export.csv", mime: "text/csv" },
  { name: "photo.jpg", mime: "image/jpeg" },
  { name: "config.json", mime: "application/json" },
];
const MAGIC: Record<string, number[]> = {
  "image/png": [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  "image/jpeg": [0xff, 0xd8, 0xff, 0xe0],
  "image/webp": [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
  "application/pdf": [0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a],
};

const TINY_ATTACHMENT_BYTES = 5;

function logUniform(u: number, lo: number, hi: number): number {
  return Math.round(Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))));
}

function isoAfterEpoch(days: number): string {
  return new Date(Date.parse(DEMO_EPOCH) + Math.round(days * 86400_000)).toISOString();
}

/** The objects of the demo buckets, their owners and sizes (no bytes yet). Pure and cheap. */
export function planObjects(plan: DemoPlan): PlannedObject[] {
  const objects = drawObjects(plan);
  if (plan.fileBytes === undefined || objects.length === 0) return objects;
  // The tiny first attachment stays tiny (drawn sizes start at 20 bytes); every other size takes the same factor.
  const tiny = (o: PlannedObject) => o.size <= TINY_ATTACHMENT_BYTES;
  const fixed = objects.filter(tiny).reduce((sum, o) => sum + o.size, 0);
  const drawn = objects.reduce((sum, o) => sum + o.size, 0) - fixed;
  const factor = drawn > 0 ? Math.max(0, plan.fileBytes - fixed) / drawn : 1;
  return objects.map((o) => (tiny(o) ? o : { ...o, size: Math.max(1, Math.round(o.size * factor)) }));
}

function drawObjects(plan: DemoPlan): PlannedObject[] {
  const { seed } = plan;
  const objects: PlannedObject[] = [];
  const avatarOwners = [...plan.activeUsers]
    .sort((a, b) => hashUnit(seed, "avatar-pick", a) - hashUnit(seed, "avatar-pick", b) || a - b)
    .slice(0, plan.avatarFiles);
  for (const n of avatarOwners) {
    const i = objects.length;
    const userId = uuidFor(seed, "user", n);
    const type = AVATAR_TYPES[Math.floor(hashUnit(seed, "avatar-type", n) * AVATAR_TYPES.length)]!;
    objects.push({
      index: i,
      id: uuidFor(seed, "object", i),
      bucket: "avatars",
      name: `${userId}/avatar.${type.ext}`,
      owner: userId,
      mimetype: type.mime,
      size: logUniform(hashUnit(seed, "object-size", i), 300, 80_000),
      createdAt: isoAfterEpoch(200 + hashUnit(seed, "object-created", i) * 100),
    });
  }
  for (let k = 0; k < plan.attachmentFiles; k++) {
    const i = objects.length;
    const id = uuidFor(seed, "object", i);
    const uploader = plan.activeUsers[Math.floor(hashUnit(seed, "object-owner", i) * plan.activeUsers.length)]!;
    const type = ATTACHMENT_TYPES[Math.floor(hashUnit(seed, "attachment-type", i) * ATTACHMENT_TYPES.length)]!;
    const taskId = 1 + Math.floor(hashUnit(seed, "attachment-task", i) * plan.tasks);
    objects.push({
      index: i,
      id,
      bucket: "attachments",
      name: `tasks/${taskId}/${id.slice(0, 8)}-${type.name}`,
      owner: uuidFor(seed, "user", uploader),
      mimetype: type.mime,
      // The first attachment is tiny on purpose: a few bytes is a real edge case for copy tools.
      size: k === 0 ? TINY_ATTACHMENT_BYTES : logUniform(hashUnit(seed, "object-size", i), 20, 400_000),
      createdAt: isoAfterEpoch(200 + hashUnit(seed, "object-created", i) * 100),
      taskId,
      fileName: type.name,
    });
  }
  return objects;
}

/** The bytes of an object: a real magic header for its type, then seeded noise (text types: printable). */
export function objectBytes(seed: number, object: PlannedObject): Buffer {
  const next = createPrng(subSeed(seed, "object-bytes", object.index));
  const buf = Buffer.alloc(object.size);
  const textual = object.mimetype.startsWith("text/") || object.mimetype === "application/json";
  for (let i = 0; i < buf.length; i++) {
    buf[i] = textual ? 32 + Math.floor(next() * 95) : Math.floor(next() * 256);
  }
  const magic = MAGIC[object.mimetype] ?? [];
  for (let i = 0; i < magic.length && i < buf.length; i++) buf[i] = magic[i]!;
  return buf;
}

export function objectPath(filesDir: string, bucket: string, name: string): string {
  return path.join(filesDir, bucket, ...name.split("/"));
}

/** True when every planned file exists in filesDir with its planned size. */
export async function filesArePresent(filesDir: string, objects: PlannedObject[]): Promise<boolean> {
  for (const o of objects) {
    const s = await stat(objectPath(filesDir, o.bucket, o.name)).catch(() => undefined);
    if (!s || s.size !== o.size) return false;
  }
  return true;
}

/** Writes the bytes of every object under filesDir/<bucket>/<name>; returns md5 hex per object id. */
export async function writeObjectFiles(filesDir: string, seed: number, objects: PlannedObject[]) {
  for (const b of DEMO_BUCKETS) await rm(path.join(filesDir, b.id), { recursive: true, force: true });
  const md5 = new Map<string, string>();
  for (const o of objects) {
    const bytes = objectBytes(seed, o);
    const file = objectPath(filesDir, o.bucket, o.name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
    md5.set(o.id, createHash("md5").update(bytes).digest("hex"));
  }
  return md5;
}

/** Inserts storage.buckets, storage.objects and the public.attachments rows that point at them. */
export async function insertStorageRows(
  client: pg.ClientBase,
  objects: PlannedObject[],
  md5: Map<string, string>,
): Promise<void> {
  await client.query(
    `INSERT INTO storage.buckets (id, name, owner, created_at, updated_at, public, file_size_limit, allowed_mime_types)
     SELECT b->>'id', b->>'id', NULL, $2::timestamptz, $2::timestamptz, (b->>'public')::boolean,
       (b->>'fileSizeLimit')::bigint,
       CASE WHEN jsonb_typeof(b->'allowedMimeTypes') = 'array'
         THEN ARRAY(SELECT jsonb_array_elements_text(b->'allowedMimeTypes')) END
     FROM jsonb_array_elements($1::jsonb) AS b`,
    [JSON.stringify(DEMO_BUCKETS), DEMO_EPOCH],
  );
  const rows = objects.map((o) => ({
    id: o.id,
    bucket_id: o.bucket,
    name: o.name,
    owner: o.owner,
    created_at: o.createdAt,
    metadata: {
      eTag: `"${md5.get(o.id)}"`,
      size: o.size,
      mimetype: o.mimetype,
      cacheControl: "max-age=3600",
      lastModified: o.createdAt,
      contentLength: o.size,
      httpStatusCode: 200,
    },
    version: uuidFor(0, "object-version", o.id),
    attachment_id: o.taskId === undefined ? null : uuidFor(0, "attachment", o.id),
    task_id: o.taskId ?? null,
    file_name: o.fileName ?? null,
    file_url: supabaseAuthenticatedUrl(o.bucket, o.name),
  }));
  await client.query(
    `INSERT INTO storage.objects (id, bucket_id, name, owner, created_at, updated_at, last_accessed_at,
       metadata, version, owner_id)
     SELECT id, bucket_id, name, owner, created_at, created_at, created_at, metadata, version, owner::text
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, bucket_id text, name text, owner uuid,
       created_at timestamptz, metadata jsonb, version text)
     ORDER BY name`,
    [JSON.stringify(rows)],
  );
  await client.query(
    `INSERT INTO public.attachments (id, task_id, storage_object_id, file_name, file_url, size_bytes, created_at)
     SELECT attachment_id, task_id, id, file_name, file_url, (metadata->>'size')::bigint, created_at
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, attachment_id uuid, task_id bigint, file_name text, file_url text,
       metadata jsonb, created_at timestamptz)
     WHERE task_id IS NOT NULL
     ORDER BY 1`,
    [JSON.stringify(rows)],
  );
}
