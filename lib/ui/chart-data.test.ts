import { describe, expect, it } from "vitest";
import { backupSizeChartData, rowCountChartData } from "./chart-data";

const t = (targetTable: string, sourceRowCount: number | null, targetRowCount: number | null) => ({
  sourceTable: targetTable,
  targetTable,
  sourceRowCount,
  targetRowCount,
  sourceChecksum: null,
  targetChecksum: null,
});

describe("rowCountChartData", () => {
  it("reads quoted names: a dot inside quotes is part of the name", () => {
    const same = rowCountChartData([t('"Sales Team"."order items.v2"', 1, 1), t('"Sales Team".tasks', 2, 2)]);
    expect(same.map((d) => d.label)).toEqual(['"order items.v2"', "tasks"]);
    const mixed = rowCountChartData([t('"Sales Team"."a.b"', 1, 1), t("public.a", 1, 1)]);
    expect(mixed.map((d) => d.label)).toEqual(['"Sales Team"."a.b"', "public.a"]);
  });

  it("sorts tables, shortens labels when one schema is shared and flags differing counts", () => {
    const data = rowCountChartData([t("public.tasks", 10, 9), t("public.projects", 3, 3)]);
    expect(data.map((d) => d.label)).toEqual(["projects", "tasks"]);
    expect(data[1]).toMatchObject({ table: "public.tasks", source: 10, target: 9, differs: true });
    expect(data[0]?.differs).toBe(false);
  });
  it("keeps the schema when tables come from several schemas, and an unmeasured side stays null", () => {
    const data = rowCountChartData([t("app.users", 5, null), t("public.users", 2, 2)]);
    expect(data.map((d) => d.label)).toEqual(["app.users", "public.users"]);
    expect(data[0]).toMatchObject({ target: null, differs: false });
  });
});

describe("backupSizeChartData", () => {
  const cp = (id: string, createdAt: string, sizes: [string, number, number][]) => ({
    id,
    name: `cp-${id}`,
    createdAt,
    backups: sizes.map(([component, sizeBytes, newBytes]) => ({ component, sizeBytes, newBytes })),
  });
  it("orders by creation time and sums bytes per component", () => {
    const data = backupSizeChartData([
      cp("b", "2025-01-02T00:00:00Z", [["database", 100, 100], ["storage", 50, 10]]),
      cp("a", "2025-01-01T00:00:00Z", [["config", 7, 7]]),
    ]);
    expect(data.map((d) => d.id)).toEqual(["a", "b"]);
    expect(data[1]).toMatchObject({ database: 100, storage: 50, config: 0, total: 150, newBytes: 110 });
  });
  it("keeps only the most recent checkpoints", () => {
    const many = Array.from({ length: 5 }, (_, i) => cp(String(i), `2025-01-0${i + 1}T00:00:00Z`, []));
    expect(backupSizeChartData(many, 2).map((d) => d.id)).toEqual(["3", "4"]);
  });
});
