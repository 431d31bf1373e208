// SIGHUP reloads the certificate files, on every runtime, with certificates the test makes with
// openssl (two of them, told apart by subject and serial). A single process: after the files are
// replaced and SIGHUP sent, a new connection sees the new certificate while a connection made
// before keeps working; a bad new certificate (a key of another certificate, or no PEM at all)
// keeps the old one, with one line. With -w 2: the supervisor's reload starts workers that read
// the files afresh, and a new connection sees the new certificate; a bad one fails the reload and
// the running workers keep serving theirs.
// It must never leave a server running; keys and certificates live in a temporary directory.
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RUNTIMES, type Runtime, startServer } from "../helpers/server.ts";
import { pollUntil } from "../helpers/poll.ts";

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(tmpdir(), "tsgi-tls-reload-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string) => path.join(tmp, name);

const APP = "test/apps/environ.ts";
const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Two server certificates for localhost, with their own subjects and serials. */
beforeAll(async () => {
  for (const [name, serial] of [["old", "0x0a01"], ["new", "0x0b02"]] as const) {
    await run("openssl", ["req", "-x509", ...EC, "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2", "-set_serial", serial, "-subj", `/CN=tsgi ${name}`], { cwd: tmp });
  }
}, 30_000);

const HANDSHAKE_MS = 10_000;

/** What a TLS client sees of the server's certificate. */
interface Seen {
  cn: string;
  serial: string;
}

/** A kept-alive TLS connection: the certificate it saw, and one GET at a time on it. */
class Client {
  private buffered = "";
  private waiting: (() => void) | null = null;
  private constructor(readonly socket: tls.TLSSocket) {
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      this.buffered += d;
      this.waiting?.();
    });
    socket.on("close", () => this.waiting?.());
  }

  static connect(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", rejectUnauthorized: false }, () => {
        socket.setTimeout(0);
        resolve(new Client(socket));
      });
      socket.once("error", reject);
      // A safety net, not a measurement: a handshake that never comes fails here, saying so, instead
      // of running into the test's own timeout.
      socket.setTimeout(HANDSHAKE_MS, () => socket.destroy(new Error(`no TLS handshake within ${HANDSHAKE_MS} ms`)));
    });
  }

  get seen(): Seen {
    const cert = this.socket.getPeerCertificate();
    return { cn: String(cert.subject.CN), serial: cert.serialNumber.toUpperCase().replace(/^0+/, "") };
  }

  /** One GET; resolves with the status line once the whole response (Content-Length) arrived. */
  async get(): Promise<string> {
    this.buffered = "";
    this.socket.write("GET /reload HTTP/1.1\r\nHost: localhost\r\n\r\n");
    for (;;) {
      const end = this.buffered.indexOf("\r\n\r\n");
      if (end >= 0) {
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(this.buffered.slice(0, end))?.[1] ?? "0");
        if (this.buffered.length >= end + 4 + length) return this.buffered.slice(0, this.buffered.indexOf("\r\n"));
      }
      if (this.socket.destroyed) throw new Error(`connection closed; got ${JSON.stringify(this.buffered)}`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Whether Linux moves a closing SO_REUSEPORT listener's backlog to another listener. */
function migrateReq(): boolean {
  try {
    return readFileSync("/proc/sys/net/ipv4/tcp_migrate_req", "utf8").trim() === "1";
  } catch {
    return false;
  }
}

/**
 * The certificate a new connection sees (after one GET on it succeeded). With `handover`, a
 * connection reset before its handshake is made again (at most 3 times, each one printed): Bun and
 * Deno workers listen with SO_REUSEPORT, and without net.ipv4.tcp_migrate_req Linux resets what
 * waits in the backlog of an old worker's socket as it closes (README, "Workers and signals").
 */
async function newConnectionSees(port: number, handover = false): Promise<Seen> {
  let c: Client;
  for (let attempt = 1; ; attempt++) {
    try {
      c = await Client.connect(port);
      break;
    } catch (err) {
      if (!handover || (err as NodeJS.ErrnoException).code !== "ECONNRESET" || attempt >= 3) throw err;
      console.log(`tls-reload: a new connection was reset before its handshake during the workers' handover (attempt ${attempt}); connecting again`);
    }
  }
  try {
    expect(await c.get()).toBe("HTTP/1.1 200 OK");
    return c.seen;
  } finally {
    c.close();
  }
}

const OLD: Seen = { cn: "tsgi old", serial: "A01" };
const NEW: Seen = { cn: "tsgi new", serial: "B02" };

/** Put certificate `name` (old, new) in the files the server was started with. */
function install(dir: string, name: string): void {
  copyFileSync(file(`${name}.pem`), path.join(dir, "cert.pem"));
  copyFileSync(file(`${name}.key`), path.join(dir, "key.pem"));
}

describe.each(RUNTIMES)("SIGHUP reloads the certificate (%s)", (runtime: Runtime) => {
  const https = (workers: string) => new RegExp(`^tsgi: listening on https://127\\.0\\.0\\.1:(\\d+) \\(${runtime}${workers}\\)$`);

  test("one process: new connections get the new certificate, an established one keeps working; a bad one keeps the old", async () => {
    const dir = mkdtempSync(path.join(tmp, `${runtime}-`));
    install(dir, "old");
    const server = await startServer(runtime, APP, { args: ["--certfile", path.join(dir, "cert.pem"), "--keyfile", path.join(dir, "key.pem")], listening: https("") });
    try {
      const held = await Client.connect(server.port);
      expect(await held.get()).toBe("HTTP/1.1 200 OK");
      expect(held.seen).toEqual(OLD);

      install(dir, "new");
      let mark = server.stderrMark();
      server.proc.kill("SIGHUP");
      await server.waitForStderr(/^tsgi: SIGHUP: certificate reloaded from \S+cert\.pem; new connections use it$/, mark);
      expect(await newConnectionSees(server.port)).toEqual(NEW);
      // The connection made before the reload is still served (with the certificate it began with).
      expect(await held.get()).toBe("HTTP/1.1 200 OK");
      expect(held.seen).toEqual(OLD);
      held.close();

      // A key that belongs to another certificate: refused, the new certificate stays.
      copyFileSync(file("old.key"), path.join(dir, "key.pem"));
      mark = server.stderrMark();
      server.proc.kill("SIGHUP");
      const refused = await server.waitForStderr(/^tsgi: error: SIGHUP: keeping the old certificate: /, mark);
      expect(refused).toMatch(/cannot be used/);
      expect(await newConnectionSees(server.port)).toEqual(NEW);

      // No PEM at all: refused with the file named, the certificate stays.
      writeFileSync(path.join(dir, "cert.pem"), "not a certificate\n");
      mark = server.stderrMark();
      server.proc.kill("SIGHUP");
      expect(await server.waitForStderr(/^tsgi: error: SIGHUP: keeping the old certificate: /, mark)).toMatch(/--certfile \S+cert\.pem: not a PEM file/);
      expect(await newConnectionSees(server.port)).toEqual(NEW);
      // One line per refused reload, nothing more.
      expect(server.proc.stderr.lines.slice(mark).filter((l) => l !== "")).toHaveLength(1);
      expect((await server.stop()).code).toBe(0);
    } finally {
      await server.stop();
    }
  }, 60_000);

  test("-w 2: the supervisor's reload starts workers that read the files afresh; a bad certificate fails the reload and the old workers keep serving", async () => {
    const dir = mkdtempSync(path.join(tmp, `${runtime}-w-`));
    install(dir, "old");
    const server = await startServer(runtime, APP, { args: ["-w", "2", "--certfile", path.join(dir, "cert.pem"), "--keyfile", path.join(dir, "key.pem")], listening: https(", 2 workers") });
    try {
      expect(await newConnectionSees(server.port)).toEqual(OLD);
      install(dir, "new");
      const mark = server.stderrMark();
      server.proc.kill("SIGHUP");
      await server.waitForStderr(/^tsgi: SIGHUP: generation 1 serving; 2 workers of the previous one draining$/, mark, 30_000);
      const handover = runtime !== "node" && !migrateReq();
      // The old workers close their listeners as they start to drain, just after that line: on Bun
      // and Deno (a socket per worker) a connection made in that instant may still reach one.
      const seen = await pollUntil(() => newConnectionSees(server.port, handover), (s) => s.serial === NEW.serial, "a new connection served by the new workers", 20_000);
      expect(seen).toEqual(NEW);

      // A key of another certificate: the new workers refuse it, and the running ones keep serving theirs.
      copyFileSync(file("old.key"), path.join(dir, "key.pem"));
      const again = server.stderrMark();
      server.proc.kill("SIGHUP");
      expect(await server.waitForStderr(/^tsgi: SIGHUP: reload failed, still serving the previous code: /, again, 30_000)).toMatch(/cannot be used/);
      expect(await newConnectionSees(server.port, handover)).toEqual(NEW);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
