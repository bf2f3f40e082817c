import { performance } from "node:perf_hooks";
import { afterAll, describe, expect, it } from "vitest";
import { isAppError } from "../domain/errors";
import { createPasswordHashingPool } from "./password-hashing-pool";
import { verifyPassword } from "./password";

const pool = createPasswordHashingPool({ threads: 1, queue: 2 });
afterAll(() => pool.close());

/** The longest the event loop went without running a 5 ms timer while `work` ran. */
/**
 * How busy the event loop was while `work` ran (0 idle … 1 never free), from Node's own
 * eventLoopUtilization: a hash computed on the loop keeps it busy whatever else the machine does,
 * while one on a thread leaves it waiting, however loaded the machine is.
 */
async function loopBusyWhile(work: Promise<unknown>): Promise<number> {
  const start = performance.eventLoopUtilization();
  await work;
  return performance.eventLoopUtilization(start).utilization;
}

describe("password hashing off the event loop, a bounded number at once", () => {
  it("hashes and verifies bcrypt on its thread", async () => {
    const hash = await pool.hash("correct horse battery staple", 10);
    expect(hash).toMatch(/^\$2b\$10\$/);
    expect(await pool.compare("correct horse battery staple", hash, 10)).toBe(true);
    expect(await pool.compare("wrong", hash, 10)).toBe(false);
    expect(await pool.compare("anything", "not a hash", 10)).toBe(false);
    expect(await pool.compare("anything", null, 10)).toBe(false);
  });

  it("refuses at once what neither a thread nor the queue can take, and answers the rest", async () => {
    const settled: string[] = [];
    const outcomes = Array.from({ length: 10 }, () => pool.compare("guess", null, 12).then(
      (ok) => settled.push(`answered ${ok}`),
      (e: unknown) => {
        if (!isAppError(e) || e.code !== "rate_limited") throw e;
        settled.push("refused");
      },
    ));
    await Promise.all(outcomes);
    // One running, two waiting, seven refused; every refusal came before the first hash finished.
    expect(settled).toEqual([...Array(7).fill("refused"), ...Array(3).fill("answered false")]);
    expect(pool.load()).toEqual({ running: 0, waiting: 0 });
  });

  it("the product's verifyPassword at cost 12 leaves the event loop free for other requests", async () => {
    await verifyPassword("warm-up", null); // the threads start and compute their dummy hash
    const busy = await loopBusyWhile(Promise.all(Array.from({ length: 4 }, () => verifyPassword("guess", null))));
    // bcryptjs on the event loop keeps it busy nearly all the time (it runs in nextTick slices).
    expect(busy).toBeLessThan(0.5);
  });
});
