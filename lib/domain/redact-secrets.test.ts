import { describe, expect, it } from "vitest";
import { passwordOfUrl, redactSecrets, redactUrl } from "./redact-secrets";

const JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlLXZhbHVl";

// Each row: a message as the product could meet it, and what may be shown of it.
const cases: [string, string, string[], string][] = [
  ["postgres URL", "connect postgres://app:s3cret@db:5432/x failed", [], "connect postgres://app:[redacted]@db:5432/x failed"],
  ["postgresql URL, encoded password", "postgresql://u:p%40ss@db/x", [], "postgresql://u:[redacted]@db/x"],
  ["any scheme, empty user", "at https://:tok@host/path", [], "at https://:[redacted]@host/path"],
  ["libpq key/value", "host=db user=app password=s3cret dbname=x", [], "host=db user=app password=[redacted] dbname=x"],
  ["quoted libpq value", "password='s3 cret' host=db", [], "password=[redacted] host=db"],
  ["query string", "GET /x?apikey=abc123&limit=5", [], "GET /x?apikey=[redacted]&limit=5"],
  ["bearer token", "Authorization: Bearer abc.def-ghi~", [], "Authorization: Bearer [redacted]"],
  ["product API token", "token mct_AbCdEf0123456789xyz was revoked", [], "token [redacted] was revoked"],
  ["Supabase JWT key", `key ${JWT} refused`, [], "key [redacted] refused"],
  ["Supabase secret key", "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz refused", [], "[redacted] refused"],
  ["Supabase service role key of another form, given", "Invalid key: local-service-role-key-42", ["local-service-role-key-42"], "Invalid key: [redacted]"],
  ["given secret verbatim", "pg_restore: role \"x\" s3cr3t!pw", ["s3cr3t!pw"], "pg_restore: role \"x\" [redacted]"],
  ["given secret percent-encoded", "url postgres://h/x?pass=s3%2Fcr3t", ["s3/cr3t"], "url postgres://h/x?pass=[redacted]"],
  ["a secret holding another, longest first", "abcdef", ["abc", "abcdef"], "[redacted]"],
  ["too short to hide", "ok ab", ["ab"], "ok ab"],
  ["nothing secret", "no url here: 3 rows", [], "no url here: 3 rows"],
];

describe("redactSecrets", () => {
  it.each(cases)("%s", (_name, text, secrets, shown) => expect(redactSecrets(text, secrets)).toBe(shown));
});

describe("redactUrl / passwordOfUrl", () => {
  it("finds the password in the userinfo or the query, decoded", () => {
    expect(passwordOfUrl("postgres://u:p%40ss@db/x")).toBe("p@ss");
    expect(passwordOfUrl("postgres://db/x?password=pw1")).toBe("pw1");
    expect(passwordOfUrl("not a url")).toBeUndefined();
  });
  it("hides the password of a URL in every form", () => {
    expect(redactUrl("postgres://u:p%40ss@db/x")).toBe("postgres://u:[redacted]@db/x");
    expect(redactUrl("postgres://db/x?password=pw1")).toBe("postgres://db/x?password=[redacted]");
  });
});
