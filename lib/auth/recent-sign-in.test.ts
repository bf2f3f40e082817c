import { describe, expect, it } from "vitest";
import { isAppError } from "../domain/errors";
import { checkRecentSignIn } from "./recent-sign-in";

describe("checkRecentSignIn", () => {
  const now = 1_800_000_000;
  it("accepts a sign-in up to maxAgeSeconds old, refuses an older one with reauth_required (401)", () => {
    expect(() => checkRecentSignIn({ authTime: now - 900 }, 900, now)).not.toThrow();
    const e = (() => {
      try {
        checkRecentSignIn({ authTime: now - 901 }, 900, now);
      } catch (x) {
        return x;
      }
    })();
    expect(isAppError(e) && [e.code, e.status]).toEqual(["reauth_required", 401]);
    expect(isAppError(e) && e.message).toBe("Rollback and delete need a sign-in from the last 15 minutes; yours is older. Sign in again, then retry.");
  });

  it("names privilege-raising actions when they are what was refused", () => {
    expect(() => checkRecentSignIn({ authTime: now - 901 }, 900, now, "privilege")).toThrow(
      "Creating tokens and users, changing roles and enabling users need a sign-in from the last 15 minutes; yours is older. Sign in again, then retry.",
    );
  });
});
