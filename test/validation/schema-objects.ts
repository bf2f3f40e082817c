// Test helper (not used by the product): schema objects shaped as lib/validation/schema/inventory reads them.
import type { SchemaInventory, SchemaObject } from "../../lib/validation/schema/inventory-types";
import { schemaFingerprint } from "../../lib/validation/schema/inventory-types";

export const inventory = (objects: SchemaObject[]): SchemaInventory => ({ objects, schemas: ["public"], optionalCatalogs: { cron: false, vault: false }, serverVersion: 150000 });

/** An inventory as a checkpoint records it: with its fingerprint. */
export const recorded = (objects: SchemaObject[]) => {
  const inv = inventory(objects);
  return { fingerprint: schemaFingerprint(inv), inventory: inv };
};

export const table = (name: string): SchemaObject => ({ kind: "table", identity: name, name: name.split(".")[1]!, table: name, definition: `TABLE ${name}`, details: { owner: "postgres", relkind: "r" } });

export const column = (tableName: string, name: string, type: string, notNull = false): SchemaObject => ({
  kind: "column",
  identity: `${tableName}.${name}`,
  name,
  table: tableName,
  definition: `${type}${notNull ? " NOT NULL" : ""}`,
  details: { name, type, kind: "b", typeSchema: "pg_catalog", typeOwnName: type, notNull, identity: "", generated: "", default: null, expression: null, collation: null },
});

export const index = (tableName: string, columnName: string, name: string): SchemaObject => ({
  kind: "index",
  identity: `CREATE INDEX ON ${tableName} USING btree (${columnName})`,
  name,
  table: tableName,
  definition: `CREATE INDEX ON ${tableName} USING btree (${columnName})`,
  details: { unique: false, method: "btree", keys: [{ column: columnName, expression: columnName, include: false }], predicate: null },
});
