// The fuzzer of the core: a seeded PRNG, generators of random and mutated requests (from the unit
// corpus), random splitting, and a checker that runs each input through fresh in-process ServerCores
// (fake transport, a sync echo app that does not read the body and an async one that does) and
// asserts the wire properties docs/interface.md promises. Runs under vitest (Node) and Bun.
// It must never import a runtime API, never depend on wall-clock time (settle() only drains
// microtasks), and never relax a property to make a run pass.
import { ServerCore } from "../../src/server/server.ts";
import type { Application, Environ } from "../../src/wsgi/types.ts";
import type { CoreOptions } from "../../src/server/options.ts";
import type { ConnectionHandle, Transport } from "../../src/server/transport.ts";
import { MALFORMED, VALID } from "../unit/cases.ts";
import { REASONS as ALL_REASONS } from "../helpers/reasons.ts";

// ---------------------------------------------------------------- PRNG

/** mulberry32: small, fast, good enough for fuzzing; the same seed gives the same stream. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() < p * 4294967296;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

// ---------------------------------------------------------------- bytes

const dec = new TextDecoder("latin1");

export function toBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export function toLatin1(b: Uint8Array): string {
  return dec.decode(b);
}

// ---------------------------------------------------------------- inputs

/** Limits the fuzzer runs with: the defaults, and small ones so that 413/414/431 paths are reached. */
export const PROFILES: readonly Partial<CoreOptions>[] = [
  {},
  { maxRequestLine: 64, maxHeadSize: 256, maxHeaderCount: 6, maxBodySize: 32 },
  { maxRequestLine: 40, maxHeadSize: 128, maxHeaderCount: 3, maxBodySize: 8 },
];

/** Valid (and some malformed) requests to start from: the unit corpus plus a few more shapes. */
export const CORPUS: readonly string[] = [
  ...VALID.map((c) => c.request),
  ...MALFORMED.filter((_, i) => i % 3 === 0).map((c) => c.request),
  "GET /?a=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
  "HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
  "POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n2;x\r\nab\r\n0\r\nT: v\r\n\r\n",
  "PUT /x%20y HTTP/1.1\r\nHost: h:80\r\nContent-Length: 5\r\nContent-Type: a/b\r\n\r\nhello",
  "GET http://h:1/p?q HTTP/1.1\r\nHost: other\r\nX-A: 1\r\nX-A: 2\r\n\r\n",
];

const SPECIAL_BYTES = [13, 10, 0, 32, 9, 0x5f, 0x80, 0xff, 0x3a, 0x3b, 0x22, 0x2c, 0x25, 0x30, 0x7f, 0x0b, 0x2f, 0x3f, 0x2a, 0x3d, 0xa0, 0x0c, 0x85];
const TOKENS = [
  "\r\n", "\n", "\r", " ", "\t", "\r\n ", "\r\n\t", "\r\n\r\n", "_", "%", "%0", "%zz", "\x00", "\xe9", ",", ";", "=", ":", " :",
  "chunked", "gzip, ", "Content-Length: 5\r\n", "Content-Length: 0\r\n", "Transfer-Encoding: chunked\r\n", "Host: x\r\n",
  "Expect: 100-continue\r\n", "Expect: x\r\n", "\xa0", "\x0c", "\x85", "\xef\xbb\xbf", "Connection: close\r\n", "Connection: keep-alive\r\n", "0\r\n\r\n",
  "X_Y: z\r\n", "5\r\nhello\r\n", "HTTP/1.0", "HTTP/2.0", "HEAD", "*", "http://a", "ffffffffffffffff", "\r\n0\r\n",
];
const CL_VALUES = ["", "\xa05", "5\xa0", "\x0c5", "-1", "+1", "1,1", "1, 1", "99999999999999999", "0x10", " 3 ", "3 3", "0", "1", "7", "40", "100", "00001", "999999999999999"];
const TE_VALUES = ["\xa0chunked", "chunked\xa0", "chunked, \xa0", "chunked", "Chunked", "gzip, chunked", "chunked, chunked", "identity", "chunked;x", "chunked, gzip", "", ",", "chunked, ", "gzip"];
const CHUNK_SIZES = ["0", "1", "5", "A", "a", "ff", "-1", "", " 5", "5 ", "5;", "5;a=b", '5;a="x"', "5;a=", "00000000000000005", "g", "0;x=y", "3\n"];
const METHODS = ["GET", "POST", "HEAD", "OPTIONS", "CONNECT", "PUT", "get", "G T", "DELETE", "M-SEARCH"];
const VERSIONS = ["HTTP/1.1", "HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "HTTP/1", "HTTP/1.10", "http/1.1", "HTTP/1.1 "];
const TARGETS = ["/", "/a?b", "*", "http://h/p", "h:80", "/%41%e9", "/a b", "/a%", "/\xe9", "//", "/?", "https://h:1?x", "/" + "a".repeat(60)];
const FIELDS = [
  "Host: h", "Host: h:80", "Host: ", "Host: [::1]:1", "Content-Length: 3", "Transfer-Encoding: chunked", "Connection: close",
  "Connection: keep-alive", "Expect: 100-continue", "X-A: 1", "x-a: 2", "X_A: 3", "Content-Type: t/p", "Empty:", "V: \xe9\x80",
  "Trailer: x", "TE: trailers", "Upgrade: h2c",
];

function insert(b: Uint8Array, at: number, ins: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + ins.length);
  out.set(b.subarray(0, at), 0);
  out.set(ins, at);
  out.set(b.subarray(at), at + ins.length);
  return out;
}

function remove(b: Uint8Array, at: number, n: number): Uint8Array {
  const out = new Uint8Array(b.length - n);
  out.set(b.subarray(0, at), 0);
  out.set(b.subarray(at + n), at);
  return out;
}

/** Replaces the value of the first header `name` (case-insensitive) in a Latin-1 request string. */
function replaceField(s: string, name: string, value: string): string | null {
  const re = new RegExp(`(\\r\\n${name}:)[^\\r\\n]*`, "i");
  return re.test(s) ? s.replace(re, `$1 ${value}`) : null;
}

/** One random mutation of `b`. */
export function mutate(rng: Rng, b: Uint8Array): Uint8Array {
  const n = b.length;
  switch (rng.int(16)) {
    case 0: {
      if (n === 0) return b;
      const out = b.slice();
      out[rng.int(n)]! ^= 1 << rng.int(8);
      return out;
    }
    case 1: {
      if (n === 0) return b;
      const out = b.slice();
      out[rng.int(n)] = rng.chance(0.5) ? rng.pick(SPECIAL_BYTES) : rng.int(256);
      return out;
    }
    case 2:
      return insert(b, rng.int(n + 1), Uint8Array.of(rng.pick(SPECIAL_BYTES)));
    case 3:
      return insert(b, rng.int(n + 1), toBytes(rng.pick(TOKENS)));
    case 4: {
      if (n === 0) return b;
      const at = rng.int(n);
      return remove(b, at, Math.min(n - at, 1 + (rng.chance(0.7) ? 0 : rng.int(8))));
    }
    case 5:
      return b.subarray(0, rng.int(n + 1));
    case 6:
    case 7: {
      // duplicate or drop a header line
      const s = toLatin1(b);
      const headEnd = s.indexOf("\r\n\r\n");
      const lines = (headEnd === -1 ? s : s.slice(0, headEnd)).split("\r\n");
      if (lines.length < 2) return b;
      const k = 1 + rng.int(lines.length - 1);
      if (rng.chance(0.5)) lines.splice(k, 0, lines[k]!);
      else lines.splice(k, 1);
      return toBytes(lines.join("\r\n") + (headEnd === -1 ? "" : s.slice(headEnd)));
    }
    case 8: {
      const s = toLatin1(b);
      const r = replaceField(s, "Content-Length", rng.pick(CL_VALUES)) ?? s.replace("\r\n", `\r\nContent-Length: ${rng.pick(CL_VALUES)}\r\n`);
      return toBytes(r);
    }
    case 9: {
      const s = toLatin1(b);
      const r = replaceField(s, "Transfer-Encoding", rng.pick(TE_VALUES)) ?? s.replace("\r\n", `\r\nTransfer-Encoding: ${rng.pick(TE_VALUES)}\r\n`);
      return toBytes(r);
    }
    case 10: {
      // corrupt a chunk-size line after the head
      const s = toLatin1(b);
      const headEnd = s.indexOf("\r\n\r\n");
      if (headEnd === -1) return b;
      const body = s.slice(headEnd + 4);
      const m = /^[0-9A-Fa-f]+[^\r\n]*/.exec(body);
      if (m === null) return toBytes(s.slice(0, headEnd + 4) + rng.pick(CHUNK_SIZES) + "\r\n" + body);
      return toBytes(s.slice(0, headEnd + 4) + rng.pick(CHUNK_SIZES) + body.slice(m[0].length));
    }
    case 11:
      return concat(b, toBytes(rng.pick(CORPUS)));
    case 12: {
      const s = toLatin1(b);
      const sp = s.indexOf(" ");
      if (sp === -1) return b;
      return toBytes(rng.pick(METHODS) + s.slice(sp));
    }
    case 13: {
      const s = toLatin1(b);
      return toBytes(s.replace(/HTTP\/\d\.\d/, rng.pick(VERSIONS)));
    }
    case 14: {
      // a CRLF becomes a bare LF or a bare CR
      const s = toLatin1(b);
      const at = s.indexOf("\r\n", rng.int(Math.max(1, s.length)));
      if (at === -1) return b;
      return remove(b, rng.chance(0.5) ? at : at + 1, 1);
    }
    default:
      return concat(b, b.subarray(0, rng.int(n + 1)));
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** A request built from random parts (mostly plausible, sometimes not). */
export function generate(rng: Rng): Uint8Array {
  let s = "\r\n".repeat(rng.chance(0.1) ? 1 + rng.int(3) : 0);
  s += `${rng.chance(0.8) ? rng.pick(["GET", "POST", "HEAD"]) : rng.pick(METHODS)} ${rng.pick(TARGETS)} ${rng.chance(0.8) ? "HTTP/1.1" : rng.pick(VERSIONS)}\r\n`;
  const fields = rng.int(5);
  if (rng.chance(0.85)) s += "Host: h\r\n";
  for (let i = 0; i < fields; i++) s += rng.pick(FIELDS) + "\r\n";
  const body = rng.int(4);
  if (body === 1) {
    const data = "d".repeat(rng.int(12));
    s += `Content-Length: ${data.length}\r\n\r\n${data}`;
  } else if (body === 2) {
    s += "Transfer-Encoding: chunked\r\n\r\n";
    const chunks = rng.int(3);
    for (let i = 0; i < chunks; i++) {
      const data = "c".repeat(1 + rng.int(10));
      s += `${data.length.toString(16)}${rng.chance(0.2) ? ";e=v" : ""}\r\n${data}\r\n`;
    }
    s += "0\r\n" + (rng.chance(0.2) ? "T: 1\r\n" : "") + "\r\n";
  } else s += "\r\n";
  return toBytes(s);
}

/** The next input: a corpus entry or a generated request, mutated a few times, sometimes pipelined. */
export function nextInput(rng: Rng): Uint8Array {
  let b = rng.chance(0.6) ? toBytes(rng.pick(CORPUS)) : generate(rng);
  if (rng.chance(0.2)) b = concat(b, rng.chance(0.5) ? toBytes(rng.pick(CORPUS)) : generate(rng));
  const mutations = rng.chance(0.1) ? 0 : 1 + rng.int(rng.chance(0.3) ? 6 : 3);
  for (let i = 0; i < mutations; i++) b = mutate(rng, b);
  return b.length > 700 ? b.subarray(0, 700) : b;
}

/** Cut points (strictly increasing, inside the input) for a random split. */
export function randomCuts(rng: Rng, length: number): number[] {
  if (length < 2) return [];
  if (length <= 300 && rng.chance(0.05)) return Array.from({ length: length - 1 }, (_, i) => i + 1); // byte by byte
  const k = 1 + rng.int(rng.chance(0.2) ? 8 : 3);
  const set = new Set<number>();
  for (let i = 0; i < k; i++) set.add(1 + rng.int(length - 1));
  return [...set].sort((a, b) => a - b);
}

// ---------------------------------------------------------------- the checked run

class Recorder implements Transport {
  copies: Uint8Array[] = [];
  refs: Uint8Array[] = [];
  closes = 0;
  aborts = 0;
  writeAfterEnd = false;
  write(data: Uint8Array): boolean {
    if (this.closes > 0 || this.aborts > 0) this.writeAfterEnd = true;
    this.refs.push(data);
    this.copies.push(data.slice());
    return true;
  }
  writev(parts: readonly Uint8Array[]): boolean {
    for (const p of parts) this.write(p);
    return true;
  }
  close(): void {
    this.closes++;
  }
  abort(): void {
    this.aborts++;
  }
  pauseReading(): void {}
  resumeReading(): void {}
  text(list: Uint8Array[]): string {
    let s = "";
    for (const c of list) s += dec.decode(c);
    return s;
  }
}

function describe(env: Environ, body: string): string {
  return `${env.REQUEST_METHOD} ${env.PATH_INFO} ?${env.QUERY_STRING} ${env.SERVER_PROTOCOL} h=${String(env.HTTP_HOST ?? "-")} cl=${env.CONTENT_LENGTH} a=${String(env.HTTP_X_A ?? "-")} b=${body}`;
}

/** Answers synchronously without reading the body. */
const syncApp: Application = (env, sr) => {
  sr("200 OK", [["Content-Type", "text/plain"], ["X-Method", env.REQUEST_METHOD]]);
  return [describe(env, "-")];
};

/** Reads the whole body through wsgi.input (async), then answers. */
const readingApp: Application = async (env, sr) => {
  const body = await env["wsgi.input"].read();
  sr("200 OK", [["Content-Type", "text/plain"], ["X-Method", env.REQUEST_METHOD]]);
  return [describe(env, dec.decode(body))];
};

export const APPS = { sync: syncApp, reading: readingApp } as const;
export type AppName = keyof typeof APPS;

/** Runs every queued microtask (one macrotask turn); no time is waited for. */
export function settle(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

export interface RunResult {
  /** Output with Date values normalised. */
  out: string;
  ended: boolean;
  destroyed: boolean;
  /** A problem seen during the run itself (exception from a driver call, buffer reuse, write after end). */
  problem: string | null;
}

let unhandled: unknown[] = [];
let listening = false;

/** Starts collecting unhandled rejections (Node and Bun both emit the process event). */
export function watchUnhandledRejections(): void {
  if (listening) return;
  listening = true;
  const p = (globalThis as { process?: { on(e: string, f: (r: unknown) => void): void } }).process;
  p?.on("unhandledRejection", (reason) => unhandled.push(reason));
}

function takeUnhandled(): unknown[] {
  const u = unhandled;
  if (u.length > 0) unhandled = [];
  return u;
}

const silentLog = (): void => {};

/**
 * Feeds `pieces` to a fresh ServerCore connection, settling after each piece, then (when `fin`)
 * the peer's FIN. The connection is released with closed() at the end.
 */
export async function runOnce(app: AppName, input: Uint8Array, cuts: readonly number[], options: Partial<CoreOptions>, fin: boolean): Promise<RunResult> {
  const core = new ServerCore(APPS[app], { ...options, log: silentLog });
  const t = new Recorder();
  let problem: string | null = null;
  let handle: ConnectionHandle | null = null;
  try {
    handle = core.open(t, { remoteAddress: "192.0.2.1", remotePort: 1 });
    let from = 0;
    for (const to of [...cuts, input.length]) {
      // A copy per piece, as a driver would hand over fresh buffers.
      handle.received(input.slice(from, to));
      from = to;
      if (app !== "sync") await settle();
    }
    if (fin) {
      handle.peerFinished();
      if (app !== "sync") await settle();
    }
    await settle();
  } catch (e) {
    problem = `exception from a driver call: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
  const text = t.text(t.copies);
  if (problem === null && t.text(t.refs) !== text) problem = "a buffer handed to write() was changed afterwards";
  if (problem === null && t.writeAfterEnd) problem = "write() after close()/abort()";
  try {
    handle?.closed();
    await settle();
  } catch (e) {
    problem ??= `exception from closed(): ${String(e)}`;
  }
  if (core.connectionCount !== 0 && problem === null) problem = `connectionCount is ${core.connectionCount} after closed()`;
  return { out: text.replace(/\r\nDate: [^\r\n]*\r\n/g, "\r\nDate: X\r\n"), ended: t.closes > 0, destroyed: t.aborts > 0, problem };
}

// ---------------------------------------------------------------- checking the output

/** The statuses a request (not the app) can draw in the fuzzer: the server's own, less 500 and 503. */
const REASONS: Record<number, string> = Object.fromEntries(Object.entries(ALL_REASONS).filter(([s]) => s !== "500" && s !== "503"));

interface Parsed {
  /** Final responses: status and whether it carried Connection: close. */
  finals: { status: number; close: boolean }[];
  continues: number;
}

/** Parses the whole output as a sequence of well-formed responses; returns a problem or the parse. */
export function parseOutput(out: string, app: AppName): Parsed | string {
  const finals: Parsed["finals"] = [];
  let continues = 0;
  let pos = 0;
  while (pos < out.length) {
    if (finals.length > 0 && (finals[finals.length - 1]!.close || finals[finals.length - 1]!.status !== 200)) {
      return `bytes after a response that closes the connection: ${JSON.stringify(out.slice(pos, pos + 80))}`;
    }
    const headEnd = out.indexOf("\r\n\r\n", pos);
    if (headEnd === -1) return `incomplete or malformed response head at ${pos}: ${JSON.stringify(out.slice(pos, pos + 120))}`;
    const lines = out.slice(pos, headEnd).split("\r\n");
    const sl = /^HTTP\/1\.1 (\d{3}) ([^\r\n]*)$/.exec(lines[0]!);
    if (sl === null) return `bad status line ${JSON.stringify(lines[0])}`;
    const status = Number(sl[1]);
    const fields: [string, string][] = [];
    for (const line of lines.slice(1)) {
      const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+): ([^\r\n]*)$/.exec(line);
      if (m === null) return `bad response field ${JSON.stringify(line)}`;
      fields.push([m[1]!.toLowerCase(), m[2]!]);
    }
    pos = headEnd + 4;
    if (status === 100) {
      if (app !== "reading") return "100 Continue sent though the app never reads the body";
      if (lines.length !== 1 || sl[2] !== "Continue") return `malformed 100 Continue ${JSON.stringify(lines.join("|"))}`;
      continues++;
      continue;
    }
    const names = fields.map((f) => f[0]);
    const get = (n: string): string | undefined => fields.find((f) => f[0] === n)?.[1];
    const close = get("connection") === "close";
    if (status === 200) {
      // The echo app: its fields, then the server's framing, Connection (maybe), Date, Server.
      const method = get("x-method");
      const cl = get("content-length");
      const expected = ["content-type", "x-method", "content-length"];
      if (get("connection") !== undefined) expected.push("connection");
      expected.push("date", "server");
      if (names.join(",") !== expected.join(",")) return `unexpected fields in an app response: ${names.join(",")}`;
      const conn = get("connection");
      if (conn !== undefined && conn !== "close" && conn !== "keep-alive") return `bad Connection value ${conn}`;
      if (cl === undefined || !/^\d+$/.test(cl)) return "app response without a valid Content-Length";
      if (method !== "HEAD") {
        const end = pos + Number(cl);
        if (end > out.length) return `app response body shorter than its Content-Length (${cl})`;
        pos = end;
      }
    } else {
      const reason = REASONS[status];
      if (reason === undefined) return `status ${status} is not one the spec allows here`;
      if (sl[2] !== reason) return `status ${status} with reason ${JSON.stringify(sl[2])}`;
      if (names.join(",") !== "content-type,content-length,connection,date,server") return `error response fields ${names.join(",")}`;
      if (get("content-type") !== "text/plain; charset=utf-8" || get("connection") !== "close" || get("server") !== "tsgi" || get("date") !== "X") {
        return `error response field values ${JSON.stringify(fields)}`;
      }
      const len = Number(get("content-length"));
      const body = out.slice(pos, pos + len);
      // An error answering a HEAD request has no body (RFC 9110 section 9.3.2); it is always the last response.
      const headAnswer = body.length === 0 && pos === out.length;
      if (body.length !== len && !headAnswer) return "error response body shorter than its Content-Length";
      if (!headAnswer && !new RegExp(`^${status} ${reason}: [a-zA-Z][ -~]*\\n$`).test(body)) return `error response body ${JSON.stringify(body)}`;
      pos += len;
    }
    finals.push({ status, close });
  }
  return { finals, continues };
}

/** Without leading and trailing OWS: SP and HTAB only (RFC 9110 section 5.6.3), never trim(). */
const ows = (s: string): string => s.replace(/^[ \t]+|[ \t]+$/g, "");

/**
 * A reference framer for request streams the core accepted (no error response): how many request
 * heads are complete, how many requests are complete with their bodies, and whether one of those
 * asks for the connection to be closed after its response. Only meaningful for valid streams.
 */
export function frameRequests(input: string): { heads: number; complete: number; closeAfter: number } {
  let pos = 0;
  let heads = 0;
  let complete = 0;
  let closeAfter = -1;
  while (pos < input.length) {
    while (input.startsWith("\r\n", pos)) pos += 2;
    const headEnd = input.indexOf("\r\n\r\n", pos);
    if (headEnd === -1) break;
    const head = input.slice(pos, headEnd + 2);
    const lines = head.split("\r\n");
    const v10 = lines[0]!.endsWith("HTTP/1.0");
    heads++;
    let cl = 0;
    let chunked = false;
    let conn = "";
    let expect100 = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon === -1) continue;
      const name = line.slice(0, colon).toLowerCase();
      const value = ows(line.slice(colon + 1)).toLowerCase();
      if (name === "content-length") cl = Number(value);
      else if (name === "transfer-encoding") chunked = true;
      else if (name === "connection") conn += "," + value;
      else if (name === "expect") expect100 = !v10; // HTTP/1.0 ignores Expect
    }
    const tokens = conn.split(",").map(ows);
    const closes = tokens.includes("close") || (v10 && !tokens.includes("keep-alive"));
    pos = headEnd + 4;
    let done = true;
    if (chunked) {
      done = false;
      for (;;) {
        const le = input.indexOf("\r\n", pos);
        if (le === -1) break;
        const size = parseInt(input.slice(pos, le), 16);
        pos = le + 2;
        if (size === 0) {
          let ok = false;
          for (;;) {
            const te = input.indexOf("\r\n", pos);
            if (te === -1) break;
            const empty = te === pos;
            pos = te + 2;
            if (empty) {
              ok = true;
              break;
            }
          }
          done = ok;
          break;
        }
        if (pos + size + 2 > input.length) break;
        pos += size + 2;
      }
    } else if (cl > 0) {
      if (pos + cl > input.length) done = false;
      pos += cl;
    }
    if (!done) {
      // The body is incomplete: the non-reading app has answered (unless 100-continue closes).
      if (expect100 || closes) closeAfter = heads;
      break;
    }
    complete++;
    if (closes) {
      closeAfter = heads;
      break;
    }
  }
  return { heads, complete, closeAfter };
}

/** Names the first difference between two runs' responses, to group failures by likely cause. */
function firstDifference(a: Parsed, aEnded: boolean, b: Parsed | string, bEnded: boolean): string {
  if (typeof b === "string") return "the split run's output is malformed";
  const fmt = (r: Parsed["finals"][number] | undefined): string => (r === undefined ? "nothing" : `${r.status}${r.close ? "+close" : ""}`);
  const n = Math.max(a.finals.length, b.finals.length);
  for (let i = 0; i < n; i++) {
    const x = a.finals[i];
    const y = b.finals[i];
    if (x?.status !== y?.status || x?.close !== y?.close) return `response ${i === 0 ? "1" : "2+"}: ${fmt(x)} whole, ${fmt(y)} split`;
  }
  if (a.continues !== b.continues) return "100 Continue differs";
  if (aEnded !== bEnded) return `same responses; connection ${aEnded ? "ended" : "open"} whole, ${bEnded ? "ended" : "open"} split`;
  return "same statuses; different bytes (detail or body)";
}

export interface Failure {
  kind: string;
  message: string;
  input: Uint8Array;
  cuts: number[];
  app: AppName;
  profile: number;
  fin: boolean;
}

export interface Case {
  input: Uint8Array;
  cuts: number[];
  profile: number;
  fin: boolean;
}

/** Checks one input with one app: whole run, split run, and the properties. Returns null when fine. */
export async function checkWith(app: AppName, c: Case): Promise<Failure | null> {
  const options = PROFILES[c.profile]!;
  const fail = (kind: string, message: string): Failure => ({ kind, message, input: c.input, cuts: c.cuts, app, profile: c.profile, fin: c.fin });
  takeUnhandled();
  const whole = await runOnce(app, c.input, [], options, c.fin);
  const split = c.cuts.length > 0 ? await runOnce(app, c.input, c.cuts, options, c.fin) : whole;
  const rejected = takeUnhandled();
  if (rejected.length > 0) return fail("unhandled-rejection", `unhandled rejection: ${String(rejected[0])}`);
  for (const [name, r] of [["whole", whole], ["split", split]] as const) {
    if (r.problem !== null) return fail(r.problem.split(":")[0]!, `${name} run: ${r.problem}`);
    if (r.destroyed) return fail("destroy", `${name} run: the core destroyed the transport`);
  }
  const parsed = parseOutput(whole.out, app);
  if (typeof parsed === "string") return fail("malformed-output", `${parsed}\noutput: ${JSON.stringify(whole.out)}`);
  const parsedSplit = split === whole ? parsed : parseOutput(split.out, app);
  if (typeof parsedSplit === "string") return fail("malformed-output", `split run: ${parsedSplit}\noutput: ${JSON.stringify(split.out)}`);
  if (split.out !== whole.out || split.ended !== whole.ended) {
    return fail(`split-mismatch: ${firstDifference(parsed, whole.ended, parsedSplit, split.ended)}`, `output depends on the split\nwhole (ended ${whole.ended}): ${JSON.stringify(whole.out)}\nsplit (ended ${split.ended}): ${JSON.stringify(split.out)}`);
  }
  const last = parsed.finals[parsed.finals.length - 1];
  if (last !== undefined && (last.close || last.status !== 200) && !whole.ended) {
    return fail("not-ended", `the last response closes the connection (status ${last.status}) but end() was not called\noutput: ${JSON.stringify(whole.out)}`);
  }
  if (c.fin && !whole.ended) {
    return fail("open-after-fin", `the peer sent FIN and everything was answered that could be, yet the connection is open\noutput: ${JSON.stringify(whole.out)}`);
  }
  if (!whole.ended) {
    // Waiting for more bytes: every complete request must have been answered.
    const f = frameRequests(toLatin1(c.input));
    const want = app === "sync" ? f.heads : f.complete;
    if (parsed.finals.length !== want) {
      return fail("stuck", `the connection is open with ${parsed.finals.length} responses for ${want} answerable requests\noutput: ${JSON.stringify(whole.out)}`);
    }
    if (f.closeAfter !== -1 && parsed.finals.length >= f.closeAfter) {
      return fail("not-ended", `request ${f.closeAfter} asked to close (or its unread body cannot be kept) but the connection is open\noutput: ${JSON.stringify(whole.out)}`);
    }
  }
  return null;
}

/** Draws the next case from the stream of `rng`. */
export function nextCase(rng: Rng): Case {
  const input = nextInput(rng);
  return { input, cuts: randomCuts(rng, input.length), profile: rng.int(PROFILES.length), fin: rng.chance(0.25) };
}

/** Checks one case with both apps; returns every failure (at most one per app). */
export async function check(c: Case): Promise<Failure[]> {
  const out: Failure[] = [];
  for (const app of ["sync", "reading"] as const) {
    const f = await checkWith(app, c);
    if (f !== null) out.push(f);
  }
  return out;
}

/**
 * Shrinks a failing case: removes byte ranges while some two-piece split (or the original cuts
 * mapped down) still fails with the same kind. Small inputs only; a one-off on failure.
 */
export async function shrink(f: Failure, budget = 4000): Promise<Failure> {
  let best = f;
  let tries = 0;
  const attempt = async (input: Uint8Array): Promise<Failure | null> => {
    const candidates: number[][] = [[]];
    for (let k = 1; k < input.length; k++) candidates.push([k]);
    for (const cuts of candidates) {
      if (++tries > budget) return null;
      const r = await checkWith(f.app, { input, cuts, profile: f.profile, fin: f.fin });
      if (r !== null && r.kind === f.kind) return r;
    }
    return null;
  };
  let size = Math.max(1, best.input.length >> 1);
  while (size >= 1 && tries < budget) {
    let progressed = false;
    for (let at = 0; at + size <= best.input.length && tries < budget; ) {
      const r = await attempt(remove(best.input, at, size));
      if (r !== null) {
        best = r;
        progressed = true;
      } else at += size;
    }
    if (!progressed) size >>= 1;
  }
  return best;
}

export function show(f: Failure): string {
  const pieces: string[] = [];
  let from = 0;
  for (const to of [...f.cuts, f.input.length]) {
    pieces.push(toLatin1(f.input.subarray(from, to)));
    from = to;
  }
  return [
    `kind: ${f.kind} (app: ${f.app}, profile: ${JSON.stringify(PROFILES[f.profile])}, FIN: ${f.fin})`,
    `input: ${JSON.stringify(toLatin1(f.input))}`,
    `split: ${JSON.stringify(pieces)}`,
    f.message,
  ].join("\n");
}
