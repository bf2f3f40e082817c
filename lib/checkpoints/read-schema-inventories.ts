import type pg from "pg";
import type { MappingFile } from "../validation/mapping";
import { readSchemaInventory } from "../validation/schema/inventory";
import { schemaFingerprint, type SchemaInventory } from "../validation/schema/inventory-types";

export interface RecordedSchema {
  inventory: SchemaInventory;
  fingerprint: string;
}

/**
 * One side's object inventory and its fingerprint, read the same way wherever a checkpoint's schema is
 * recorded or compared with (the checkpoint's metadata, the rollback preview), so that an unchanged
 * schema always has the same fingerprint. `client` is a pinned connection (withPgClients).
 */
export async function readRecordedSchema(client: pg.Client, mapping: MappingFile): Promise<RecordedSchema> {
  const inventory = await readSchemaInventory(client, { mapping });
  return { inventory, fingerprint: schemaFingerprint(inventory) };
}
