// HTTPS on every runtime's own TLS listener, with certificates the test makes with openssl and
// curl as the client: body, wsgi.url_scheme, HTTPS, ALPN http/1.1; client certificates (required
// and optional) on Bun and Node, refused at start on Deno; plain HTTP to the TLS port gets a clean
// close or a 400 and costs at most one log line, and the next TLS request still works; a bad key
// or certificate is one line and exit 2.
// It must never leave a server running; keys and certificates live in a temporary directory.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RUNTIMES, type Runtime, type Server, runCli, startServer, useServer } from "../helpers/server.ts";

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-tls-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string) => path.join(tmp, name);

const APP = "test/apps/environ.ts";
const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A server certificate for localhost/127.0.0.1, a CA, a client certificate it signed, and one it did not. */
beforeAll(async () => {
  const openssl = (...args: string[]) => run("openssl", args, { cwd: tmp });
  await openssl("req", "-x509", ...EC, "-keyout", "server.key", "-out", "server.pem", "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
  await openssl("req", "-x509", ...EC, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=tsgi test CA");
  await openssl("req", ...EC, "-keyout", "client.key", "-out", "client.csr", "-subj", "/O=tsgi tests/CN=client one");
  await openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2");
  await openssl("req", "-x509", ...EC, "-keyout", "stranger.key", "-out", "stranger.pem", "-days", "2", "-subj", "/CN=stranger");
  await openssl("genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", "other.key");
  writeFileSync(file("garbage.key"), "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
}, 30_000);

const TLS_ARGS = () => ["--certfile", file("server.pem"), "--keyfile", file("server.key")];
const HTTPS_LINE = (runtime: Runtime) => new RegExp(`^tsgi: listening on https://127\\.0\\.0\\.1:(\\d+) \\(${runtime}\\)$`);

type Env = Record<string, unknown>;

/** curl over HTTPS trusting the test's server certificate; resolves with exit code and output. */
async function curl(url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("curl", ["-sS", "--max-time", "15", "--cacert", file("server.pem"), ...args, url]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

async function environ(url: string, ...args: string[]): Promise<Env> {
  const r = await curl(url, ...args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Env;
}

/** Plain HTTP to the TLS port: everything the server sends back until it closes. */
async function plainHttp(port: number): Promise<string> {
  return await new Promise((resolve, reject) => {
    const c = net.connect({ host: "127.0.0.1", port });
    let got = "";
    c.setEncoding("latin1");
    c.on("connect", () => c.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    c.on("data", (d: string) => (got += d));
    c.on("close", () => resolve(got));
    c.on("error", (err: Error & { code?: string }) => (err.code === "ECONNRESET" ? undefined : reject(err)));
    c.setTimeout(15_000, () => reject(new Error(`no close within 15 s; got ${JSON.stringify(got)}`)));
  });
}

describe.each(RUNTIMES)("TLS (%s)", (runtime) => {
  const server = useServer(runtime, APP, { args: TLS_ARGS(), listening: HTTPS_LINE(runtime) });

  test("curl over HTTPS: the body, wsgi.url_scheme https, HTTPS on, no tsgi.peer_cert", async () => {
    const s = server();
    const env = await environ(`https://127.0.0.1:${s.port}/secure?x=1`);
    expect(env).toMatchObject({ "wsgi.url_scheme": "https", HTTPS: "on", PATH_INFO: "/secure", QUERY_STRING: "x=1", SERVER_PORT: String(s.port) });
    expect(env).not.toHaveProperty("tsgi.peer_cert");
    // Keep-alive over TLS: two requests on one connection.
    const r = await curl(`https://127.0.0.1:${s.port}/one`, "-o", "/dev/null", `https://127.0.0.1:${s.port}/two`, "-o", "/dev/null", "-w", "%{num_connects}\n");
    expect(r.stdout).toBe("1\n0\n");
  });

  test("ALPN offers http/1.1", async () => {
    const s = server();
    const alpn = await new Promise<string | false | null>((resolve, reject) => {
      const c = tls.connect({ host: "127.0.0.1", port: s.port, ca: readFileSync(file("server.pem")), servername: "localhost", ALPNProtocols: ["h2", "http/1.1"] }, () => {
        resolve(c.alpnProtocol ?? null);
        c.end();
      });
      c.on("error", reject);
    });
    expect(alpn).toBe("http/1.1");
  });

  test("plain HTTP to the TLS port: a clean close or a 400, at most one log line, and the next TLS request works", async () => {
    const s = server();
    const mark = s.stderrMark();
    const answer = await plainHttp(s.port);
    // Nothing, a 400, or (Deno's rustls) a TLS alert record (content type 21) before the close.
    expect(answer === "" || answer.startsWith("HTTP/1.1 400 ") || /^\x15\x03[\x01-\x04]/.test(answer), JSON.stringify(answer)).toBe(true);
    // A TLS connection opened before, and one after, are both served.
    expect(await environ(`https://127.0.0.1:${s.port}/after`)).toMatchObject({ PATH_INFO: "/after", HTTPS: "on" });
    expect(s.proc.stderr.lines.length - mark).toBeLessThanOrEqual(1);
  });

  test("clients that fail the handshake (one gives up half-way, one speaks plain HTTP) disturb no other connection", async () => {
    const s = server();
    const held = tls.connect({ host: "127.0.0.1", port: s.port, ca: readFileSync(file("server.pem")), servername: "localhost" });
    await new Promise<void>((resolve, reject) => {
      held.once("secureConnect", () => resolve());
      held.once("error", reject);
    });
    // A client that starts a handshake and vanishes, and one that sends garbage.
    const quitter = net.connect({ host: "127.0.0.1", port: s.port }, () => quitter.end(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01])));
    quitter.on("error", () => {});
    await plainHttp(s.port);
    // The connection opened before still works.
    const reply = await new Promise<string>((resolve, reject) => {
      let got = "";
      held.setEncoding("latin1");
      held.on("data", (d: string) => {
        got += d;
        if (got.includes('"PATH_INFO":"/held"')) resolve(got);
      });
      held.on("error", reject);
      held.write("GET /held HTTP/1.1\r\nHost: localhost\r\n\r\n");
    });
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    held.destroy();
  });
});

/** Starts a server asking for client certificates (`reqs`), or on Deno checks that it refuses to. */
async function startClientCert(runtime: Runtime, reqs: "optional" | "required"): Promise<Server | null> {
  const args = [...TLS_ARGS(), "--ca-certs", file("ca.pem"), "--cert-reqs", reqs, APP, "-b", "127.0.0.1:0"];
  if (runtime === "deno") {
    const r = await runCli(runtime, args);
    expect(r.stderrLines.filter((l) => l !== "")).toEqual([
      `tsgi: error: --cert-reqs ${reqs} is not available on Deno (Deno.listenTls cannot ask for a client certificate); use Bun or Node`,
    ]);
    expect(r.code).toBe(2);
    return null;
  }
  return await startServer(runtime, APP, { argv: args, listening: HTTPS_LINE(runtime) });
}

const CLIENT = () => ["--cert", file("client.pem"), "--key", file("client.key")];
const STRANGER = () => ["--cert", file("stranger.pem"), "--key", file("stranger.key")];
const SUBJECT = "O=tsgi tests,CN=client one";

describe.each(RUNTIMES)("TLS client certificates (%s)", (runtime) => {
  test("--cert-reqs required: without a certificate or with one the CA did not sign, no request; with one, tsgi.peer_cert is its subject", async () => {
    const s = await startClientCert(runtime, "required");
    if (s === null) return;
    try {
      const url = `https://127.0.0.1:${s.port}/cert`;
      expect((await curl(url)).code).not.toBe(0);
      expect((await curl(url, ...STRANGER())).code).not.toBe(0);
      expect(await environ(url, ...CLIENT())).toMatchObject({ "tsgi.peer_cert": SUBJECT, HTTPS: "on" });
    } finally {
      await s.stop();
    }
  });

  test("--cert-reqs optional: served without a certificate (no tsgi.peer_cert), with one (its subject), not with a bad one", async () => {
    const s = await startClientCert(runtime, "optional");
    if (s === null) return;
    try {
      const url = `https://127.0.0.1:${s.port}/opt`;
      const without = await environ(url);
      expect(without).toMatchObject({ HTTPS: "on" });
      expect(without).not.toHaveProperty("tsgi.peer_cert");
      expect(await environ(url, ...CLIENT())).toMatchObject({ "tsgi.peer_cert": SUBJECT });
      const bad = await curl(url, ...STRANGER());
      expect(bad.code, bad.stdout).not.toBe(0);
    } finally {
      await s.stop();
    }
  });
});

describe.each(RUNTIMES)("TLS start-up errors (%s)", (runtime) => {
  const expectOneLine = async (args: string[], line: RegExp) => {
    const r = await runCli(runtime, [...args, APP, "-b", "127.0.0.1:0"]);
    const lines = r.stderrLines.filter((l) => l !== "");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
  };

  test("a missing certificate file, a key that is not PEM, a garbage key and a key of another certificate: one line each, exit 2", async () => {
    await expectOneLine(["--certfile", file("nope.pem"), "--keyfile", file("server.key")], /^tsgi: error: --certfile \S+nope\.pem: cannot read it: no such file$/);
    await expectOneLine(["--certfile", file("server.pem"), "--keyfile", path.join(tmp, "..")], /^tsgi: error: --keyfile \S+: cannot read it: /);
    await expectOneLine(["--certfile", file("server.pem"), "--keyfile", file("garbage.key")], /^tsgi: error: the certificate or key cannot be used: \S/);
    await expectOneLine(["--certfile", file("server.pem"), "--keyfile", file("other.key")], /^tsgi: error: the certificate or key cannot be used: \S/);
  });

  test("--certfile without --keyfile, and --cert-reqs without --ca-certs, are usage errors", async () => {
    await expectOneLine(["--certfile", file("server.pem")], /^tsgi: error: --certfile needs --keyfile PATH/);
    await expectOneLine([...TLS_ARGS(), "--cert-reqs", "required"], /^tsgi: error: --cert-reqs required needs --ca-certs PATH/);
  });
});
