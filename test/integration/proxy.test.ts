// Trusted proxies over real sockets on each runtime: a server that trusts 127.0.0.1 only honours
// Forwarded / X-Forwarded-* from a client bound to 127.0.0.1 and ignores them from one bound to
// 127.0.0.2; RFC 7239 Forwarded with quoted IPv6 and several hops; X-Forwarded-For hop by hop; a
// contradicting pair from a trusted peer is a 400; a unix socket peer is trusted.
// It must never compare against values computed by the server's own code.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { RawClient, text } from "../helpers/raw.ts";
import { expectErrorThenClose } from "../helpers/expect.ts";
import { RUNTIMES, startServer, useServer } from "../helpers/server.ts";

const APP = "test/apps/environ.ts";
type Env = Record<string, unknown>;

const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-proxy-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function request(fields: string): string {
  return `GET /p HTTP/1.1\r\nHost: inner.test:1234\r\n${fields}\r\n`;
}

async function environ(client: RawClient, fields: string): Promise<Env> {
  const res = await client.request(request(fields));
  expect(res.status, text(res)).toBe(200);
  return JSON.parse(text(res)) as Env;
}

describe.each(RUNTIMES)("trusted proxies (%s)", (runtime) => {
  const server = useServer(runtime, APP, { args: ["--forwarded-allow-ips", "127.0.0.1", "--forwarded-host"] });

  const trusted = () => RawClient.connect(server().port, "127.0.0.1", "127.0.0.1");
  const untrusted = () => RawClient.connect(server().port, "127.0.0.1", "127.0.0.2");

  test("X-Forwarded-* from a trusted peer set the client, scheme, host and port", async () => {
    const c = await trusted();
    const env = await environ(c, "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\n");
    expect(env).toMatchObject({
      REMOTE_ADDR: "203.0.113.9",
      REMOTE_PORT: "",
      "wsgi.url_scheme": "https",
      SERVER_NAME: "shop.example",
      SERVER_PORT: "443",
      "tsgi.peer_addr": "127.0.0.1",
      HTTP_X_FORWARDED_FOR: "203.0.113.9",
      HTTP_HOST: "inner.test:1234",
    });
    // The next request on the same connection without the fields is the peer's own again.
    expect(await environ(c, "")).toMatchObject({ REMOTE_ADDR: "127.0.0.1", REMOTE_PORT: String(c.localPort), "wsgi.url_scheme": "http", SERVER_NAME: "127.0.0.1", SERVER_PORT: String(server().port) });
    c.destroy();
  });

  test("the same fields from an untrusted peer change nothing", async () => {
    const c = await untrusted();
    const fields = "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\nForwarded: for=198.51.100.1\r\n";
    const env = await environ(c, fields);
    expect(env).toMatchObject({
      REMOTE_ADDR: "127.0.0.2",
      REMOTE_PORT: String(c.localPort),
      "wsgi.url_scheme": "http",
      SERVER_NAME: "127.0.0.1",
      SERVER_PORT: String(server().port),
      "tsgi.peer_addr": "127.0.0.2",
      HTTP_X_FORWARDED_FOR: "203.0.113.9",
    });
    // Malformed or contradicting fields from an untrusted peer are not even read.
    expect(await environ(c, "X-Forwarded-For: not an address\r\nForwarded: for=192.0.2.1\r\nX-Forwarded-Proto: ht tp\r\n")).toMatchObject({ REMOTE_ADDR: "127.0.0.2" });
    c.destroy();
  });

  test("RFC 7239 Forwarded: quoted IPv6 with a port, several hops, the client's proto and host", async () => {
    const c = await trusted();
    const env = await environ(c, 'Forwarded: for="[2001:db8:cafe::17]:4711";proto=https;host="shop.example:8443", for=127.0.0.1;proto=http;host=lb.internal\r\n');
    expect(env).toMatchObject({ REMOTE_ADDR: "2001:db8:cafe::17", REMOTE_PORT: "4711", "wsgi.url_scheme": "https", SERVER_NAME: "shop.example", SERVER_PORT: "8443", "tsgi.peer_addr": "127.0.0.1" });
    // An untrusted hop on the way is the client, however many hops precede it.
    expect(await environ(c, "Forwarded: for=192.0.2.1, for=198.51.100.7, for=127.0.0.1\r\n")).toMatchObject({ REMOTE_ADDR: "198.51.100.7" });
    // Two Forwarded fields are one list.
    expect(await environ(c, "Forwarded: for=192.0.2.1\r\nForwarded: for=127.0.0.1\r\n")).toMatchObject({ REMOTE_ADDR: "192.0.2.1" });
    c.destroy();
  });

  test("X-Forwarded-For hop by hop from the right", async () => {
    const c = await trusted();
    expect(await environ(c, "X-Forwarded-For: 192.0.2.1, 198.51.100.7, 127.0.0.1\r\n")).toMatchObject({ REMOTE_ADDR: "198.51.100.7" });
    expect(await environ(c, "X-Forwarded-For: 192.0.2.1, 127.0.0.1\r\nX-Forwarded-For: 127.0.0.1\r\n")).toMatchObject({ REMOTE_ADDR: "192.0.2.1" });
    expect(await environ(c, "X-Forwarded-For: 2001:db8::1\r\n")).toMatchObject({ REMOTE_ADDR: "2001:db8::1" });
    c.destroy();
  });

  test.each([
    ["Forwarded: for=192.0.2.1\r\nX-Forwarded-For: 192.0.2.2\r\n"],
    ["Forwarded: for=192.0.2.1;proto=https\r\nX-Forwarded-Proto: http\r\n"],
    ["X-Forwarded-For: 192.0.2.1 192.0.2.2\r\n"],
    ['Forwarded: for="[2001:db8::1"\r\n'],
  ])("a trusted peer's contradicting or malformed fields are a 400: %j", async (fields) => {
    const c = await trusted();
    await c.write(request(fields));
    await expectErrorThenClose(c, 400);
    c.destroy();
  });

  test("a peer on a unix socket is trusted", async () => {
    const sock = path.join(tmp, `${runtime}.sock`);
    const s = await startServer(runtime, APP, { args: ["--forwarded-allow-ips", "127.0.0.1"], bind: `unix:${sock}`, listening: /^tsgi: listening on unix:/ });
    try {
      const c = await RawClient.connect(sock);
      expect(await environ(c, "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n")).toMatchObject({ REMOTE_ADDR: "203.0.113.9", "wsgi.url_scheme": "https", "tsgi.peer_addr": "" });
      c.destroy();
    } finally {
      await s.stop();
    }
  });
});

describe.each(RUNTIMES)("forwarding defaults (%s)", (runtime) => {
  const server = useServer(runtime, APP);

  test("loopback is trusted by default; the host is not forwarded without --forwarded-host", async () => {
    const c = await RawClient.connect(server().port);
    const env = await environ(c, "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Host: shop.example\r\nX-Forwarded-Port: 8443\r\n");
    expect(env).toMatchObject({ REMOTE_ADDR: "203.0.113.9", SERVER_NAME: "127.0.0.1", SERVER_PORT: String(server().port) });
    c.destroy();
  });
});

/** A PROXY protocol v2 header for TCP over IPv4 from 192.0.2.7:4660 to 127.0.0.1:80. */
const V2_HEADER = Uint8Array.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0, 12, 192, 0, 2, 7, 127, 0, 0, 1, 0x12, 0x34, 0, 80]);
const V1_HEADER = "PROXY TCP4 192.0.2.7 127.0.0.1 4660 80\r\n";

describe.each(RUNTIMES)("PROXY protocol (%s)", (runtime) => {
  const v1 = useServer(runtime, APP, { args: ["--forwarded-allow-ips", "127.0.0.1", "--proxy-protocol", "v1"] });
  const auto = useServer(runtime, APP, { args: ["--forwarded-allow-ips", "127.0.0.1", "--proxy-protocol", "auto"] });

  async function afterHeader(c: RawClient, header: string | Uint8Array, fields = ""): Promise<Env> {
    await c.write(header);
    return await environ(c, fields);
  }

  test("v1 from an allowed peer names the client for the whole connection", async () => {
    const c = await RawClient.connect(v1().port, "127.0.0.1", "127.0.0.1");
    expect(await afterHeader(c, V1_HEADER)).toMatchObject({ REMOTE_ADDR: "192.0.2.7", REMOTE_PORT: "4660", "tsgi.peer_addr": "127.0.0.1" });
    // The relayed client is not a trusted proxy: its own X-Forwarded-For counts for nothing.
    expect(await environ(c, "X-Forwarded-For: 203.0.113.1\r\n")).toMatchObject({ REMOTE_ADDR: "192.0.2.7", REMOTE_PORT: "4660" });
    c.destroy();
  });

  test("v2 and v1 with --proxy-protocol auto", async () => {
    const c = await RawClient.connect(auto().port, "127.0.0.1", "127.0.0.1");
    expect(await afterHeader(c, V2_HEADER)).toMatchObject({ REMOTE_ADDR: "192.0.2.7", REMOTE_PORT: "4660", "tsgi.peer_addr": "127.0.0.1" });
    c.destroy();
    const d = await RawClient.connect(auto().port, "127.0.0.1", "127.0.0.1");
    // The header and the request in one write, and the header cut in two writes, are the same.
    await d.write(V1_HEADER.slice(0, 9));
    expect(await afterHeader(d, V1_HEADER.slice(9))).toMatchObject({ REMOTE_ADDR: "192.0.2.7" });
    d.destroy();
  });

  test("from a peer not allowed, a PROXY header is not accepted: it is a bad request line", async () => {
    const c = await RawClient.connect(v1().port, "127.0.0.1", "127.0.0.2");
    await c.write(V1_HEADER + request(""));
    await expectErrorThenClose(c, 400);
    c.destroy();
    const d = await RawClient.connect(v1().port, "127.0.0.1", "127.0.0.2");
    expect(await environ(d, "")).toMatchObject({ REMOTE_ADDR: "127.0.0.2", "tsgi.peer_addr": "127.0.0.2" });
    d.destroy();
  });

  test.each([
    ["no header", request("")],
    ["a malformed v1 header", "PROXY TCP4 192.0.2.7 127.0.0.1 4660\r\n" + request("")],
    ["a v2 header with a bad version", Uint8Array.from([...V2_HEADER.subarray(0, 12), 0x11, ...V2_HEADER.subarray(13)])],
  ])("an allowed peer that sends %s: the connection is closed without a response", async (_name, bytes) => {
    const c = await RawClient.connect(auto().port, "127.0.0.1", "127.0.0.1");
    await c.write(bytes);
    const closed = await c.untilClosed();
    expect(closed.rest.length).toBe(0);
    c.destroy();
  });
});
