import { describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { claimDrillScratch, drillScratchName, dropAbandonedDrillScratches, isDrillScratchOf } from "./drill-scratch";

describe("isDrillScratchOf", () => {
  it("matches only this target's drill scratch names", () => {
    expect(isDrillScratchOf("app", "app_drill_0a1b2c3d")).toBe(true);
    expect(isDrillScratchOf("app", drillScratchName("app"))).toBe(true);
    expect(isDrillScratchOf("app", "app_drill_0a1b2c3")).toBe(false);
    expect(isDrillScratchOf("app", "app2_drill_0a1b2c3d")).toBe(false);
    expect(isDrillScratchOf("app", "app_restore_0a1b2c3d")).toBe(false);
    const long = "t".repeat(60);
    expect(isDrillScratchOf(long, drillScratchName(long))).toBe(true);
  });
});

describe("dropAbandonedDrillScratches", () => {
  it("drops a scratch database no drill claims, keeps one a live drill claims, and nothing else", async () => {
    const targetUrl = await createScratchDatabase("drillscratch");
    const target = new URL(targetUrl).pathname.slice(1);
    const admin = new pg.Client(targetUrl);
    await admin.connect();
    const abandoned = `${target}_drill_0badc0de`;
    const live = `${target}_drill_0000beef`;
    const other = `${target}_keep_0badc0de`;
    const exists = async () =>
      (await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY 1", [[abandoned, live, other]])).rows.map((r) => r.datname);
    try {
      for (const name of [abandoned, live, other]) await admin.query(`CREATE DATABASE "${name}"`);
      const claim = await claimDrillScratch(targetUrl, live);
      // A second claim of the same name is refused while the first is held.
      await expect(claimDrillScratch(targetUrl, live)).rejects.toThrow(/already claimed/);
      expect(await dropAbandonedDrillScratches(targetUrl, targetUrl)).toEqual([abandoned]);
      expect(await exists()).toEqual([live, other].sort());
      // Once its drill is gone (its session ended), it is abandoned too.
      await claim.release();
      expect(await dropAbandonedDrillScratches(targetUrl, targetUrl)).toEqual([live]);
      expect(await exists()).toEqual([other]);
    } finally {
      for (const name of [abandoned, live, other]) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});
