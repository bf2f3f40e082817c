import { describe, expect, it } from "vitest";
import { compareInventories } from "./compare-inventories";
import type { SchemaInventory, SchemaObject } from "./inventory-types";
import { parseMappingFile } from "../mapping";

const inventory = (objects: SchemaObject[]): SchemaInventory => ({ objects, schemas: ["public"], optionalCatalogs: { cron: false, vault: false }, serverVersion: 150000 });

const fk = (table: string, refTable: string): SchemaObject => ({
  kind: "constraint",
  identity: `${table} FOREIGN KEY (owner) REFERENCES ${refTable}(id)`,
  name: "owner_fkey",
  table,
  definition: `FOREIGN KEY (owner) REFERENCES ${refTable}(id)`,
  details: { type: "f", validated: true, columns: ["owner"], refTable, refColumns: ["id"], onUpdate: "NO ACTION", onDelete: "NO ACTION", match: "SIMPLE", deferrable: false, deferred: false },
});
const policy = (name: string): SchemaObject => ({
  kind: "policy",
  identity: "POLICY ON public.tasks AS PERMISSIVE FOR SELECT TO authenticated USING ((auth.uid() = owner))",
  name,
  table: "public.tasks",
  definition: "POLICY ON public.tasks AS PERMISSIVE FOR SELECT TO authenticated USING ((auth.uid() = owner))",
  details: { permissive: "PERMISSIVE", roles: ["authenticated"], command: "SELECT", using: "(auth.uid() = owner)", withCheck: null },
});

describe("compareInventories", () => {
  it("maps a foreign key into auth.users onto the users table the mapping names", () => {
    const source = inventory([fk("public.tasks", "auth.users")]);
    const mapping = { tables: [], users: { targetTable: "app.accounts" } };
    expect(compareInventories(source, inventory([fk("public.tasks", "app.accounts")]), { mapping })).toEqual([]);
    expect(compareInventories(source, inventory([fk("public.tasks", "public.users")]), { mapping })).toEqual([
      expect.objectContaining({ kind: "constraint", change: "changed", verdict: "failure", identity: "public.tasks FOREIGN KEY (owner) REFERENCES public.users(id)" }),
    ]);
  });

  it("over time (drift), compares a side with itself: no renames, nothing moved, a policy renamed is no change", () => {
    const before = inventory([policy("read own"), fk("public.tasks", "auth.users")]);
    expect(compareInventories(before, inventory([policy("read_own"), fk("public.tasks", "auth.users")]), { drift: true })).toEqual([]);
    expect(compareInventories(before, inventory([fk("public.tasks", "auth.users")]), { drift: true })).toEqual([
      expect.objectContaining({ kind: "policy", change: "missing", verdict: "failure", name: "read own" }),
    ]);
  });

  it("a dropped policy is the application's duty by default, with its rule; a failure when nothing is declared moved", () => {
    const before = inventory([policy("read own")]);
    const [moved] = compareInventories(before, inventory([]), {});
    expect(moved).toMatchObject({ verdict: "moved_to_app", change: "missing" });
    expect(moved!.reason).toBe("the application must enforce policy read own on public.tasks (SELECT for authenticated): allow rows where (auth.uid() = owner)");
    const [failed] = compareInventories(before, inventory([]), { mapping: { tables: [], schema: { movedToApp: [] } } });
    expect(failed).toMatchObject({ verdict: "failure", fix: 'CREATE POLICY "read own" ON public.tasks AS PERMISSIVE FOR SELECT TO authenticated USING ((auth.uid() = owner));' });
  });
});

describe("the mapping file's schema section", () => {
  it("accepts the declared classes and refuses an unknown one", () => {
    expect(parseMappingFile({ schema: { movedToApp: ["rls", "policies"] } })).toMatchObject({ ok: true, mapping: { schema: { movedToApp: ["rls", "policies"] } } });
    const bad = parseMappingFile({ schema: { movedToApp: ["triggers"] } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^invalid mapping file: schema\.movedToApp\.0: /);
  });
});
