import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createSupabaseStorageSource } from "../lib/sources/supabase-storage";
import type { DemoContext } from "./steps";
import type { DemoEnvironment } from "./environment";

/** The context the demo migration steps run in, reading source files through supabase-js. */
export function demoContextFor(demo: Pick<DemoEnvironment, "env" | "databases" | "storageDir" | "configDir" | "filesDir">): DemoContext {
  const storage = createSupabaseStorageSource({ url: demo.env.SUPABASE_URL!, serviceRoleKey: demo.env.SUPABASE_SERVICE_ROLE_KEY! });
  return {
    sourceUrl: demo.databases.sourceUrl,
    targetUrl: demo.databases.targetUrl,
    storageDir: demo.storageDir,
    configDir: demo.configDir,
    filesDir: demo.filesDir,
    readSourceObject: async (bucket, name) => Readable.fromWeb((await storage.downloadSourceObject(bucket, name)) as WebReadableStream),
  };
}
