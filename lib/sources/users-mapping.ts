import { z } from "zod";
import { parseQualifiedName } from "../domain/qualified-name";
import { quoteIdent } from "../sql/quote";

/** How source auth.users map to the target's users table (the mapping file's `users` section). */
export const usersMappingSchema = z
  .object({
    targetTable: z.string().default("public.users"),
    idColumn: z.string().default("id"),
    emailColumn: z.string().default("email"),
    roleColumn: z.string().default("role"),
    passwordColumn: z.string().default("password_hash"),
    providerColumn: z.string().optional(),
    sourceRoleKey: z.string().default("role"),
  })
  .default({
    targetTable: "public.users",
    idColumn: "id",
    emailColumn: "email",
    roleColumn: "role",
    passwordColumn: "password_hash",
    sourceRoleKey: "role",
  });

export type UsersMapping = z.infer<typeof usersMappingSchema>;

/** `schema.table` (a part may be double-quoted, lib/domain/qualified-name) as SQL; a bare name is in public. */
export function quoteQualified(name: string): string {
  const parsed = parseQualifiedName(name) ?? { schema: "public", table: name };
  return `${quoteIdent(parsed.schema)}.${quoteIdent(parsed.table)}`;
}

export function resolveUsersMapping(value: unknown) {
  const m = usersMappingSchema.parse(value ?? undefined);
  return {
    ...m,
    targetTableSql: quoteQualified(m.targetTable),
    idColumnSql: quoteIdent(m.idColumn),
  };
}
