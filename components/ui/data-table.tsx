import type { ComponentProps, ReactNode } from "react";

/** One column: its header, how a row fills its cell, and how the cell sits. */
export interface Column<T> {
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** Numbers are right-aligned (and tabular). */
  align?: "left" | "right";
  /** Hidden on screens narrower than this (the first column usually repeats what matters there). */
  from?: "sm" | "md" | "lg";
  /** More classes of each body cell: colour, wrapping. */
  className?: string;
}

// Literal class names, so that Tailwind finds them.
const HIDDEN_BELOW = { sm: "hidden sm:table-cell", md: "hidden md:table-cell", lg: "hidden lg:table-cell" } as const;
const CELL = "px-3 py-2 sm:px-4";
// Compact: small print inside a panel, the first column on the panel's edge.
const COMPACT_CELL = "py-1 pr-3 last:pr-0";

function placement(column: Column<unknown>): string {
  return [column.align === "right" ? "text-right" : "", column.from ? HIDDEN_BELOW[column.from] : ""].filter(Boolean).join(" ");
}

/**
 * The dashboard's one table: a header row, a row per item, columns that give way on small screens,
 * scrolling sideways when it is still too wide. `flush` lets it span a Card's padding edge to edge;
 * `compact` is the small print of a panel (a rollback preview, a schema drift, changed rows).
 */
export function DataTable<T>({
  columns,
  rows,
  rowKey,
  caption,
  heading,
  flush = false,
  compact = false,
  hover = false,
  rowProps,
}: {
  columns: Column<T>[];
  rows: readonly T[];
  /** A row's React key; the index serves rows without an identity of their own. */
  rowKey: (row: T, index: number) => string;
  /** Read by screen readers only. */
  caption?: string;
  /** A caption everyone sees (instead of `caption`), above the header row. */
  heading?: ReactNode;
  flush?: boolean;
  compact?: boolean;
  hover?: boolean;
  /** Attributes of a row's <tr> (classes, data-*). */
  rowProps?: (row: T) => Omit<ComponentProps<"tr">, "children"> & { [data: `data-${string}`]: string | undefined };
}) {
  const cell = compact ? COMPACT_CELL : CELL;
  return (
    <div className={flush ? "-mx-4 overflow-x-auto" : "overflow-x-auto"}>
      <table className={`w-full text-left ${compact ? "text-xs" : "text-sm"}`}>
        {heading ? (
          <caption className="py-1 text-left text-xs font-semibold text-slate-700">{heading}</caption>
        ) : caption ? (
          <caption className="sr-only">{caption}</caption>
        ) : null}
        <thead className={compact ? "text-slate-500" : "border-b border-slate-100 text-xs uppercase tracking-wide text-slate-500"}>
          <tr>
            {columns.map((column, i) => (
              <th key={i} scope="col" className={`${cell} font-medium ${placement(column as Column<unknown>)}`}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row, index) => {
            const props = rowProps?.(row) ?? {};
            const className = ["align-top", hover ? "hover:bg-slate-50" : "", props.className ?? ""].filter(Boolean).join(" ");
            return (
              <tr key={rowKey(row, index)} {...props} className={className}>
                {columns.map((column, i) => (
                  <td
                    key={i}
                    className={[cell, placement(column as Column<unknown>), column.align === "right" ? "tabular-nums" : "", column.className ?? ""].filter(Boolean).join(" ")}
                  >
                    {column.cell(row)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
