/**
 * The one place SQL text is built from names and values: every identifier and literal the product
 * splices into a statement goes through these. Pure, no I/O.
 */
import type { QueryResult, QueryResultRow } from "pg";

/** Anything that runs a parameterised query: pg.Client, pg.Pool, pg.PoolClient. */
export interface SqlClient {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

export interface QualifiedTable {
  schema: string;
  table: string;
}

/**
 * Quotes an identifier the way PostgreSQL's quote_ident does for any name: always double-quoted,
 * inner quotes doubled. A NUL cannot be part of a PostgreSQL name: refusing it keeps a name that the
 * server would cut short from ever meaning another object.
 */
export function quoteIdent(name: string): string {
  if (name.includes("\u0000")) throw new Error("identifier contains a NUL character");
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteTable(t: QualifiedTable): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
}

/** A string literal safe whatever standard_conforming_strings is (E'' syntax). */
export function quoteLiteral(value: string): string {
  if (value.includes("\u0000")) throw new Error("string literal contains a NUL character");
  return `E'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/**
 * A plain `'…'` literal, for SQL shown to a person to paste into a session of their own (where
 * standard_conforming_strings is on, the default since PostgreSQL 9.1). Statements the product
 * runs itself use quoteLiteral.
 */
export function quoteStandardLiteral(value: string): string {
  if (value.includes("\u0000")) throw new Error("string literal contains a NUL character");
  return `'${value.replace(/'/g, "''")}'`;
}
