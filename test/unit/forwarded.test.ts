// The forwarding parsers and the trust decision without sockets: IP address text (src/http/
// ip-address.ts), RFC 7239 Forwarded and X-Forwarded-* syntax with many malformed cases
// (src/http/forwarded.ts), the allow list (src/server/trusted-proxies.ts) and the hop-by-hop walk
// with its contradictions (src/server/forwarding.ts). test/integration/proxy.test.ts runs the same
// over real sockets on each runtime.
import { describe, expect, test } from "vitest";
import { canonicalIp } from "../../src/http/ip-address.ts";
import { parseForwarded, parseForwardedFor, parseNode, proxyClaims } from "../../src/http/forwarded.ts";
import { TrustListError, TrustedProxies } from "../../src/server/trusted-proxies.ts";
import { decide } from "../../src/server/forwarding.ts";
import { HttpError } from "../../src/errors.ts";

describe("canonicalIp", () => {
  test.each([
    ["192.0.2.1", "192.0.2.1"],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    ["::1", "::1"],
    ["::", "::"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:db8:0:0:0:0:2:1", "2001:db8::2:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["::FFFF:7f00:1", "127.0.0.1"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ["fe80::", "fe80::"],
  ])("%s -> %s", (text, canonical) => {
    expect(canonicalIp(text)).toBe(canonical);
  });

  test.each([
    "",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3.-4",
    "a.b.c.d",
    " 1.2.3.4",
    "1.2.3.4 ",
    ":::",
    "1::2::3",
    "12345::",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7::8",
    "::ffff:1.2.3",
    "::1.2.3.4.5",
    "fe80::1%eth0",
    "[::1]",
    "g::1",
    ":1",
    "1:",
    "localhost",
  ])("%j is not an address", (text) => {
    expect(canonicalIp(text)).toBeNull();
  });
});

describe("parseNode", () => {
  test.each([
    ["192.0.2.43", false, { addr: "192.0.2.43", port: "" }],
    ["192.0.2.43:47011", false, { addr: "192.0.2.43", port: "47011" }],
    ["[2001:db8:cafe::17]", false, { addr: "2001:db8:cafe::17", port: "" }],
    ["[2001:db8:cafe::17]:4711", false, { addr: "2001:db8:cafe::17", port: "4711" }],
    ["unknown", false, { addr: null, port: "" }],
    ["_hidden", false, { addr: null, port: "" }],
    ["_SEVKISEK", false, { addr: null, port: "" }],
    ["192.0.2.43:_port", false, { addr: "192.0.2.43", port: "" }],
    ["2001:db8::1", true, { addr: "2001:db8::1", port: "" }],
    ["[2001:db8::1]:80", true, { addr: "2001:db8::1", port: "80" }],
  ] as const)("%s (bare IPv6 %s)", (text, bare, node) => {
    expect(parseNode(text, bare)).toEqual(node);
  });

  test.each([
    "",
    "2001:db8::1",
    "[2001:db8::1",
    "[192.0.2.1]",
    "[2001:db8::1]x",
    "[2001:db8::1]:",
    "[2001:db8::1]:65536",
    "192.0.2.1:",
    "192.0.2.1:0x50",
    "192.0.2.1:123456",
    "example.com",
    "_",
    "_a b",
    "unknown:",
    "1.2.3.4:5:6",
  ])("%j is not a node", (text) => {
    expect(parseNode(text, false)).toBeNull();
  });
});

describe("parseForwarded", () => {
  test("RFC 7239 examples", () => {
    expect(parseForwarded('for="_gazonk"')).toEqual([{ for: { addr: null, port: "" }, proto: null, host: null }]);
    expect(parseForwarded('For="[2001:db8:cafe::17]:4711"')).toEqual([{ for: { addr: "2001:db8:cafe::17", port: "4711" }, proto: null, host: null }]);
    expect(parseForwarded("for=192.0.2.60;proto=http;by=203.0.113.43")).toEqual([{ for: { addr: "192.0.2.60", port: "" }, proto: "http", host: null }]);
    expect(parseForwarded("for=192.0.2.43, for=198.51.100.17")).toEqual([
      { for: { addr: "192.0.2.43", port: "" }, proto: null, host: null },
      { for: { addr: "198.51.100.17", port: "" }, proto: null, host: null },
    ]);
  });

  test("quoted strings, quoted pairs, case, spaces and empty list elements", () => {
    expect(parseForwarded(' , for="192.0.2.1" ; PROTO=HTTPS;host="example.com:8443" ,,')).toEqual([
      { for: { addr: "192.0.2.1", port: "" }, proto: "https", host: "example.com:8443" },
    ]);
    expect(parseForwarded('for="\\192.0.2.1";ext="a,b;c"')).toEqual([{ for: { addr: "192.0.2.1", port: "" }, proto: null, host: null }]);
    expect(parseForwarded("proto=https")).toEqual([{ for: null, proto: "https", host: null }]);
  });

  test.each([
    "",
    " , ",
    "for",
    "for=",
    "=192.0.2.1",
    "for=192.0.2.1;for=192.0.2.2",
    "for=[2001:db8::1]",
    "for=2001:db8::1",
    'for="2001:db8::1"',
    'for="[2001:db8::1"',
    'for="192.0.2.1',
    "for=192.0.2.1 proto=http",
    "for=192.0.2.1;proto=ht tp",
    "for=192.0.2.1;proto=1http",
    'for=192.0.2.1;proto=""',
    "for=example.com",
    "for=192.0.2.256",
    'for="192.0.2.1:99999"',
    "for=192.0.2.1;host=exa mple.com",
    'for=192.0.2.1;host=""',
    'for=192.0.2.1;host="a/b"',
    'by="[::1"',
    "for=192.0.2.1;;x",
    'for="\\',
    "f(r=192.0.2.1",
  ])("%j is a 400", (value) => {
    expect(() => parseForwarded(value)).toThrow(HttpError);
  });
});

describe("parseForwardedFor and proxyClaims", () => {
  test("addresses, IPv6 bare and bracketed, ports, unknown", () => {
    expect(parseForwardedFor("203.0.113.7, 2001:db8::1,[2001:db8::2]:80 , 10.0.0.1:8080,unknown")).toEqual([
      { addr: "203.0.113.7", port: "" },
      { addr: "2001:db8::1", port: "" },
      { addr: "2001:db8::2", port: "80" },
      { addr: "10.0.0.1", port: "8080" },
      { addr: null, port: "" },
    ]);
  });

  test.each(["", ",", "example.com", "1.2.3.4 5.6.7.8", "1.2.3.4;5.6.7.8", "[1.2.3.4]", "1.2.3.4:", '"1.2.3.4"', "::1]"])("X-Forwarded-For %j is a 400", (value) => {
    expect(() => parseForwardedFor(value)).toThrow(HttpError);
  });

  test.each([
    ["HTTP_X_FORWARDED_PROTO", "ht tp"],
    ["HTTP_X_FORWARDED_PROTO", ""],
    ["HTTP_X_FORWARDED_PROTO", "https,1x"],
    ["HTTP_X_FORWARDED_HOST", "a b"],
    ["HTTP_X_FORWARDED_HOST", "a/b"],
    ["HTTP_X_FORWARDED_PORT", "http"],
    ["HTTP_X_FORWARDED_PORT", "65536"],
    ["HTTP_X_FORWARDED_PORT", "-1"],
  ])("%s: %j is a 400", (name, value) => {
    expect(() => proxyClaims([name], [value])).toThrow(HttpError);
  });

  test("fields other than the forwarding ones are not read", () => {
    expect(proxyClaims(["HTTP_HOST", "HTTP_X_FORWARDED_SERVER"], ["h", "not checked at all"])).toEqual({
      forwarded: null,
      forwardedFor: null,
      forwardedProto: null,
      forwardedHost: null,
      forwardedPort: null,
    });
  });
});

describe("TrustedProxies", () => {
  test("addresses, CIDR ranges, IPv4-mapped peers, unix socket peers", () => {
    const t = new TrustedProxies("127.0.0.1, ::1, 10.0.0.0/8, 2001:db8::/32, 192.168.1.128/25");
    for (const a of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.1.2.3", "2001:db8:ffff::1", "192.168.1.200", ""]) expect(t.trusts(a), a).toBe(true);
    for (const a of ["127.0.0.2", "::2", "11.0.0.1", "2001:db9::1", "192.168.1.127", "unknown", "x"]) expect(t.trusts(a), a).toBe(false);
    // Asked twice (the one-entry cache) gives the same answer.
    expect(t.trusts("127.0.0.2")).toBe(false);
    expect(t.trusts("127.0.0.1")).toBe(true);
  });

  test("* trusts every address; an empty list only unix socket peers", () => {
    expect(new TrustedProxies("*").trusts("203.0.113.9")).toBe(true);
    expect(new TrustedProxies("").trusts("127.0.0.1")).toBe(false);
    expect(new TrustedProxies("").trusts("")).toBe(true);
  });

  test.each(["localhost", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "1.2.3.4/8/8", "::1/-1"])("%j is refused", (list) => {
    expect(() => new TrustedProxies(list)).toThrow(TrustListError);
  });
});

describe("decide", () => {
  const trust = new TrustedProxies("127.0.0.1,10.0.0.0/8");
  const claims = (fields: Record<string, string>) => proxyClaims(Object.keys(fields), Object.values(fields));
  const run = (fields: Record<string, string>, forwardedHost = false) => decide(claims(fields), trust, forwardedHost, "http");

  test("X-Forwarded-For: the first untrusted hop from the right", () => {
    expect(run({ HTTP_X_FORWARDED_FOR: "203.0.113.1, 198.51.100.2, 10.0.0.5" })).toMatchObject({ remoteAddr: "198.51.100.2", remotePort: "" });
    expect(run({ HTTP_X_FORWARDED_FOR: "203.0.113.1, 10.0.0.6, 10.0.0.5" })).toMatchObject({ remoteAddr: "203.0.113.1" });
    // All trusted: the leftmost is the client.
    expect(run({ HTTP_X_FORWARDED_FOR: "10.0.0.7, 10.0.0.5" })).toMatchObject({ remoteAddr: "10.0.0.7" });
    // An unknown hop ends the walk: the client's address is not known.
    expect(run({ HTTP_X_FORWARDED_FOR: "203.0.113.1, unknown, 10.0.0.5" })).toMatchObject({ remoteAddr: "" });
  });

  test("Forwarded: hops, quoted IPv6, the client's element gives scheme and host", () => {
    const f = run({ HTTP_FORWARDED: 'for="[2001:db8::7]:4711";proto=https;host=example.com, for=10.0.0.9;proto=http;host=inner' }, true);
    expect(f).toEqual({ remoteAddr: "2001:db8::7", remotePort: "4711", urlScheme: "https", serverName: "example.com", serverPort: "443" });
  });

  test("X-Forwarded-Proto/-Host/-Port: one item per hop, else the nearest proxy's", () => {
    expect(run({ HTTP_X_FORWARDED_FOR: "203.0.113.1, 10.0.0.5", HTTP_X_FORWARDED_PROTO: "https, http" })).toMatchObject({ urlScheme: "https" });
    expect(run({ HTTP_X_FORWARDED_FOR: "203.0.113.1, 10.0.0.5", HTTP_X_FORWARDED_PROTO: "https" })).toMatchObject({ urlScheme: "https" });
    expect(run({ HTTP_X_FORWARDED_HOST: "a.example:8080", HTTP_X_FORWARDED_PROTO: "HTTPS" }, true)).toMatchObject({ urlScheme: "https", serverName: "a.example", serverPort: "8080" });
    expect(run({ HTTP_X_FORWARDED_HOST: "[2001:db8::1]", HTTP_X_FORWARDED_PORT: "8443" }, true)).toMatchObject({ serverName: "2001:db8::1", serverPort: "8443" });
    // Without --forwarded-host, host and port change nothing.
    expect(run({ HTTP_X_FORWARDED_HOST: "a.example:8080" })).toMatchObject({ serverName: null, serverPort: null });
  });

  test("contradictions are a 400", () => {
    const cases: Record<string, string>[] = [
      { HTTP_FORWARDED: "for=203.0.113.1", HTTP_X_FORWARDED_FOR: "203.0.113.2" },
      { HTTP_FORWARDED: "for=203.0.113.1;proto=https", HTTP_X_FORWARDED_PROTO: "http" },
      { HTTP_FORWARDED: "for=203.0.113.1;host=a", HTTP_X_FORWARDED_HOST: "b" },
    ];
    for (const c of cases) expect(() => run(c), JSON.stringify(c)).toThrow(HttpError);
    expect(() => run({ HTTP_FORWARDED: "host=a:1", HTTP_X_FORWARDED_PORT: "2" }, true)).toThrow(HttpError);
    // Agreeing headers are fine.
    expect(run({ HTTP_FORWARDED: "for=203.0.113.1;proto=https;host=A", HTTP_X_FORWARDED_FOR: "203.0.113.1", HTTP_X_FORWARDED_PROTO: "https", HTTP_X_FORWARDED_HOST: "a" })).toMatchObject({
      remoteAddr: "203.0.113.1",
      urlScheme: "https",
    });
  });
});
