// The PROXY protocol parser without sockets (src/http/proxy-protocol.ts): version 1 lines and
// version 2 binary headers, whole and cut at every byte, the modes v1/v2/auto, and many malformed
// headers. test/integration/proxy.test.ts sends them over real sockets on each runtime.
import { describe, expect, test } from "vitest";
import { ProxyProtocolError, parseProxyHeader } from "../../src/http/proxy-protocol.ts";

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** A version 2 header: command (0 LOCAL, 1 PROXY), family byte, address bytes, then `extra` bytes (TLVs). */
function v2(cmd: number, family: number, body: number[], extra: number[] = []): Uint8Array {
  const all = [...body, ...extra];
  return Uint8Array.from([...SIG, 0x20 | cmd, family, all.length >> 8, all.length & 0xff, ...all]);
}

const V2_TCP4 = v2(1, 0x11, [192, 0, 2, 7, 10, 0, 0, 1, 0x12, 0x34, 0x00, 0x50]);
const V2_TCP6 = v2(1, 0x21, [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 0x09, ...new Array<number>(15).fill(0), 1, 0xab, 0xcd, 0x01, 0xbb], [0x04, 0x00, 0x01, 0x00]);

describe("PROXY v1", () => {
  test.each([
    ["PROXY TCP4 192.0.2.7 10.0.0.1 4660 80\r\n", { local: false, srcAddr: "192.0.2.7", srcPort: 4660 }],
    ["PROXY TCP6 2001:DB8::9 ::1 65535 443\r\n", { local: false, srcAddr: "2001:db8::9", srcPort: 65535 }],
    ["PROXY UNKNOWN\r\n", { local: true }],
    ["PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", { local: true }],
  ])("%j", (line, header) => {
    const bytes = latin1(line + "GET / HTTP/1.1\r\n");
    for (const mode of ["v1", "auto"] as const) expect(parseProxyHeader(bytes, mode)).toEqual({ header, length: line.length });
    // Every cut before the CRLF asks for more bytes.
    for (let n = 0; n < line.length; n++) expect(parseProxyHeader(bytes.subarray(0, n), "auto"), `cut at ${n}`).toBeNull();
  });

  test.each([
    "GET / HTTP/1.1\r\n",
    "PROXY TCP4 192.0.2.7 10.0.0.1 4660\r\n",
    "PROXY TCP4 192.0.2.7 10.0.0.1 4660 80 extra\r\n",
    "PROXY TCP4  192.0.2.7 10.0.0.1 4660 80\r\n",
    "PROXY UDP4 192.0.2.7 10.0.0.1 4660 80\r\n",
    "PROXY TCP4 2001:db8::1 10.0.0.1 4660 80\r\n",
    "PROXY TCP6 192.0.2.7 ::1 4660 80\r\n",
    "PROXY TCP4 192.0.2.256 10.0.0.1 4660 80\r\n",
    "PROXY TCP4 192.0.2.7 10.0.0.1 04660 80\r\n",
    "PROXY TCP4 192.0.2.7 10.0.0.1 65536 80\r\n",
    "PROXY TCP4 192.0.2.7 10.0.0.1 -1 80\r\n",
    "PROXY TCP4 192.0.2.7 10.0.0.1 4660 80\n",
    "PROXY TCP4 192.0.2.7 10.0.0.1 4660 80\x00\r\n",
    "proxy TCP4 192.0.2.7 10.0.0.1 4660 80\r\n",
    "PROXY TCP4 192.0.2.7 10.0.0.1 4660 80 " + "x".repeat(80) + "\r\n",
    "PROXY " + "x".repeat(120),
  ])("%j is refused", (line) => {
    expect(() => parseProxyHeader(latin1(line), "v1")).toThrow(ProxyProtocolError);
  });

  test("mode v2 refuses a v1 line", () => {
    expect(() => parseProxyHeader(latin1("PROXY TCP4 192.0.2.7 10.0.0.1 4660 80\r\n"), "v2")).toThrow(ProxyProtocolError);
  });
});

describe("PROXY v2", () => {
  test("TCP over IPv4 and IPv6 (with a TLV), whole and cut at every byte", () => {
    for (const [bytes, header] of [
      [V2_TCP4, { local: false, srcAddr: "192.0.2.7", srcPort: 0x1234 }],
      [V2_TCP6, { local: false, srcAddr: "2001:db8::9", srcPort: 0xabcd }],
    ] as const) {
      const withRequest = Uint8Array.from([...bytes, ...latin1("GET / HTTP/1.1\r\n")]);
      for (const mode of ["v2", "auto"] as const) expect(parseProxyHeader(withRequest, mode)).toEqual({ header, length: bytes.length });
      for (let n = 0; n < bytes.length; n++) expect(parseProxyHeader(bytes.subarray(0, n), "auto"), `cut at ${n}`).toBeNull();
    }
  });

  test("LOCAL, UNSPEC and AF_UNIX: the peer speaks for itself", () => {
    expect(parseProxyHeader(v2(0, 0x00, []), "v2")).toEqual({ header: { local: true }, length: 16 });
    expect(parseProxyHeader(v2(0, 0x11, new Array<number>(12).fill(1)), "v2")).toEqual({ header: { local: true }, length: 28 });
    expect(parseProxyHeader(v2(1, 0x00, []), "v2")).toEqual({ header: { local: true }, length: 16 });
    expect(parseProxyHeader(v2(1, 0x31, new Array<number>(216).fill(0)), "v2")).toEqual({ header: { local: true }, length: 232 });
  });

  test.each([
    ["version 1 in the binary header", Uint8Array.from([...SIG, 0x11, 0x11, 0, 12, ...new Array<number>(12).fill(0)])],
    ["command 2", v2(2, 0x11, new Array<number>(12).fill(0))],
    ["family 4", v2(1, 0x41, new Array<number>(12).fill(0))],
    ["transport 3", v2(1, 0x13, new Array<number>(12).fill(0))],
    ["IPv4 addresses cut short", v2(1, 0x11, new Array<number>(11).fill(0))],
    ["IPv6 addresses cut short", v2(1, 0x21, new Array<number>(12).fill(0))],
    ["a wrong signature byte", Uint8Array.from([...SIG.slice(0, 11), 0x0b, 0x21, 0x11, 0, 0])],
    ["mode v1", V2_TCP4],
  ])("%s is refused", (_name, bytes) => {
    expect(() => parseProxyHeader(bytes, _name === "mode v1" ? "v1" : "v2")).toThrow(ProxyProtocolError);
  });

  test("no header at all is refused in every mode as soon as a byte tells", () => {
    for (const mode of ["v1", "v2", "auto"] as const) expect(() => parseProxyHeader(latin1("G"), mode)).toThrow(ProxyProtocolError);
  });
});
