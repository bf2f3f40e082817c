import { describe, expect, it } from "vitest";
import { actorFromRequest } from "./actor";

const req = (headers: Record<string, string>) => new Request("http://localhost/migration/checkpoints", { headers });

describe("actorFromRequest", () => {
  it("takes the name from x-actor and the origin from the first forwarded address", () => {
    expect(actorFromRequest(req({ "x-actor": "alice", "x-forwarded-for": "10.1.2.3, 127.0.0.1" }))).toEqual({ name: "alice", role: null, origin: "10.1.2.3" });
  });

  it("defaults to api / unknown, and keeps control characters and markup out of the audit trail", () => {
    expect(actorFromRequest(req({}))).toEqual({ name: "api", role: null, origin: "unknown" });
    expect(actorFromRequest(req({ "x-actor": "<script>bob</script>" })).name).toBe("scriptbobscript");
    expect(actorFromRequest(req({ "x-actor": "   " })).name).toBe("api");
    expect(actorFromRequest(req({ "x-actor": "x".repeat(500) })).name).toHaveLength(100);
  });
});
