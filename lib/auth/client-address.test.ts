import { describe, expect, it } from "vitest";
import { clientAddress, parseTrustedProxies, PEER_ADDRESS_HEADER } from "./client-address";

const h = (peer: string | undefined, xff?: string, extra: Record<string, string> = {}) => {
  const headers = new Headers(extra);
  if (peer !== undefined) headers.set(PEER_ADDRESS_HEADER, peer);
  if (xff !== undefined) headers.set("x-forwarded-for", xff);
  return headers;
};

describe("clientAddress", () => {
  const none = parseTrustedProxies(undefined);
  const proxies = parseTrustedProxies("10.0.0.0/8, 192.168.1.7, ::1");

  const cases: [string, Headers, ReturnType<typeof parseTrustedProxies>, string][] = [
    ["the socket peer, whatever X-Forwarded-For says, when no proxy is trusted", h("203.0.113.9", "1.2.3.4"), none, "203.0.113.9"],
    ["the socket peer when X-Real-IP claims another", h("203.0.113.9", undefined, { "x-real-ip": "1.2.3.4" }), none, "203.0.113.9"],
    ["an IPv4-mapped IPv6 peer as plain IPv4", h("::ffff:127.0.0.1"), none, "127.0.0.1"],
    ["unknown when the server did not say (served without scripts/serve.ts)", h(undefined, "1.2.3.4"), none, "unknown"],
    ["unknown when the peer header is not an address", h("<script>"), none, "unknown"],
    ["the peer when it is not a trusted proxy, though the chain names others", h("198.51.100.1", "1.2.3.4, 10.0.0.2"), proxies, "198.51.100.1"],
    ["behind a trusted proxy: the hop it saw", h("10.0.0.5", "1.2.3.4, 198.51.100.20"), proxies, "198.51.100.20"],
    ["two trusted hops skipped from the right; the forged left-most value is ignored", h("10.0.0.5", "6.6.6.6, 198.51.100.20, 192.168.1.7"), proxies, "198.51.100.20"],
    ["the walk stops at a value that is not an address", h("10.0.0.5", "1.2.3.4, garbage, 10.9.9.9"), proxies, "10.9.9.9"],
    ["a trusted proxy with no chain is the client", h("10.0.0.5"), proxies, "10.0.0.5"],
    ["an IPv6 proxy", h("::1", "2001:db8::7"), proxies, "2001:db8::7"],
  ];
  for (const [what, headers, trusted, expected] of cases) {
    it(what, () => expect(clientAddress(headers, trusted)).toBe(expected));
  }

  it("reads plain header objects (Auth.js's request) the same way", () => {
    expect(clientAddress({ [PEER_ADDRESS_HEADER]: "203.0.113.9", "x-forwarded-for": "1.2.3.4" }, none)).toBe("203.0.113.9");
  });
});

describe("parseTrustedProxies", () => {
  it("names an entry that is neither an address nor a CIDR", () => {
    expect(() => parseTrustedProxies("10.0.0.0/8, proxy.internal")).toThrow(/TRUSTED_PROXIES: "proxy.internal"/);
    expect(parseTrustedProxies(" , ")).toEqual([]);
  });
});
