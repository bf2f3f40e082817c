import { describe, expect, it } from "vitest";
import { describeSupabaseKey, notServiceRoleReason } from "./supabase-key";

const jwt = (payload: unknown) =>
  `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.c2ln`;

describe("describeSupabaseKey", () => {
  it("reads the role of a JWT key without verifying it, and recognises the new key prefixes", () => {
    expect(describeSupabaseKey(jwt({ role: "service_role", iss: "supabase" }))).toEqual({ kind: "jwt", role: "service_role" });
    expect(describeSupabaseKey(` ${jwt({ role: "anon" })}\n`)).toEqual({ kind: "jwt", role: "anon" });
    expect(describeSupabaseKey(jwt({ iss: "supabase" }))).toEqual({ kind: "jwt", role: null });
    expect(describeSupabaseKey("sb_secret_0123abcd")).toEqual({ kind: "secret" });
    expect(describeSupabaseKey("sb_publishable_0123abcd")).toEqual({ kind: "publishable" });
    expect(describeSupabaseKey("demo-service-role-0123")).toEqual({ kind: "opaque" });
    expect(describeSupabaseKey("a.b.c")).toEqual({ kind: "opaque" });
    expect(describeSupabaseKey(`x.${Buffer.from("[1]").toString("base64url")}.y`)).toEqual({ kind: "opaque" });
  });

  it("says why a key cannot be the service role key, naming the setting and the likely cause", () => {
    expect(notServiceRoleReason(jwt({ role: "service_role" }))).toBeNull();
    expect(notServiceRoleReason("sb_secret_0123")).toBeNull();
    expect(notServiceRoleReason("opaque-key")).toBeNull();
    expect(notServiceRoleReason(jwt({ role: "anon" }))).toMatch(/^SUPABASE_SERVICE_ROLE_KEY is a JWT of role "anon", not "service_role": the anon \(public\) key was given in its place/);
    expect(notServiceRoleReason(jwt({ role: "authenticated" }))).toContain('a key of role "authenticated" was given');
    expect(notServiceRoleReason(jwt({}))).toContain("the token names no role");
    expect(notServiceRoleReason("sb_publishable_0123")).toMatch(/^SUPABASE_SERVICE_ROLE_KEY holds a publishable key/);
  });
});
