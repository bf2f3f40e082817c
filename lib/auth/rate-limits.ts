import pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../domain/errors";

/**
 * Rate limits kept in the metadata store (rate-limiter-flexible's Postgres store, table
 * `rate_limits` created by our migration), so every app instance counts against the same budget.
 */
export interface RateLimits {
  /**
   * One sign-in attempt: counted per address, per email and per email+address; throws AppError
   * rate_limited (429) past any of the three budgets (an address guessing many emails, many
   * addresses guessing one email, one pair guessing).
   */
  consumeSignIn(email: string, ip: string): Promise<void>;
  /** A successful sign-in clears the counter of its email+IP (the per-email and per-address ones run on). */
  resetSignIn(email: string, ip: string): Promise<void>;
  /** One mutating API request of an actor; throws AppError rate_limited (429) past the budget. */
  consumeMutation(actorName: string): Promise<void>;
  close(): Promise<void>;
}

export interface RateLimitOptions {
  databaseUrl: string;
  signInAttemptsPerMinute: number;
  /** Default 20. */
  signInAttemptsPerEmailPerMinute?: number;
  /** Default 30. */
  signInAttemptsPerAddressPerMinute?: number;
  apiMutationsPerMinute: number;
}

const TABLE = "rate_limits";

export function createRateLimits(options: RateLimitOptions): RateLimits {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 3, application_name: "migration-checkpoints:rate-limits" });
  pool.on("error", () => {});
  const common = { storeClient: pool, storeType: "pool", tableName: TABLE, tableCreated: true, duration: 60 };
  const signIn = new RateLimiterPostgres({ ...common, keyPrefix: "signin", points: options.signInAttemptsPerMinute });
  const signInPerEmail = new RateLimiterPostgres({ ...common, keyPrefix: "signin-email", points: options.signInAttemptsPerEmailPerMinute ?? 20 });
  const signInPerAddress = new RateLimiterPostgres({ ...common, keyPrefix: "signin-address", points: options.signInAttemptsPerAddressPerMinute ?? 30 });
  const mutation = new RateLimiterPostgres({ ...common, keyPrefix: "api", points: options.apiMutationsPerMinute });
  const signInKey = (email: string, ip: string) => `${email.trim().toLowerCase()}|${ip}`;

  return {
    async consumeSignIn(email, ip) {
      await consume(signInPerAddress, ip, (s) => `Too many sign-in attempts from your address. Try again in ${s} seconds.`);
      await consume(signInPerEmail, email.trim().toLowerCase(), (s) => `Too many sign-in attempts for this email. Try again in ${s} seconds.`);
      await consume(signIn, signInKey(email, ip), (s) => `Too many sign-in attempts for this email from your address. Try again in ${s} seconds.`);
    },
    async resetSignIn(email, ip) {
      await signIn.delete(signInKey(email, ip));
    },
    async consumeMutation(actorName) {
      await consume(mutation, actorName, (s) => `Too many changes requested by ${actorName} (at most ${options.apiMutationsPerMinute} a minute). Try again in ${s} seconds.`);
    },
    async close() {
      await pool.end();
    },
  };
}

async function consume(limiter: RateLimiterPostgres, key: string, message: (seconds: number) => string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (e) {
    // The library rejects with a RateLimiterRes when the budget is spent, with an Error on a store failure.
    if (e instanceof RateLimiterRes) {
      const seconds = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      throw new AppError("rate_limited", message(seconds), { retryAfterSeconds: seconds });
    }
    throw e;
  }
}

const shared = new Map<string, RateLimits>();
/** One set of limiters (and one small pool) per metadata-store URL for the life of the process. */
export function getRateLimits(options: RateLimitOptions): RateLimits {
  const key = [options.databaseUrl, options.signInAttemptsPerMinute, options.signInAttemptsPerEmailPerMinute, options.signInAttemptsPerAddressPerMinute, options.apiMutationsPerMinute].join("|");
  let limits = shared.get(key);
  if (!limits) {
    limits = createRateLimits(options);
    shared.set(key, limits);
  }
  return limits;
}
