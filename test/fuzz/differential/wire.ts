// One exchange over a real loopback socket for the differential fuzzer: connect, send the input in
// one write, collect every byte until the server closes or nothing has arrived for `idleMs`, then
// parse what came back into responses. It must never interpret a response beyond its framing
// (compare.ts judges) and never let a socket outlive its exchange.
import net from "node:net";
import { type Echo, decodeEcho } from "./echo.ts";

export interface Exchange {
  bytes: Uint8Array;
  /** The server closed the connection (FIN or reset) rather than going idle. */
  closed: boolean;
  /** The close was a reset (ECONNRESET, EPIPE). */
  reset: boolean;
}

export function exchange(port: number, input: Uint8Array, idleMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let done = false;
    let reset = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const socket = net.connect({ port, host: "127.0.0.1" });
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      socket.destroy();
      resolve({ bytes: new Uint8Array(Buffer.concat(parts)), closed, reset });
    };
    const arm = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => finish(false), idleMs);
    };
    socket.setNoDelay(true);
    socket.on("connect", () => {
      socket.write(input);
      arm();
    });
    socket.on("data", (d: Buffer) => {
      parts.push(d);
      arm();
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => {
      reset = true;
      finish(true);
    });
  });
}

export interface Response {
  status: number;
  /** Lower-cased names. */
  headers: Map<string, string>;
  body: string;
  /** The report of the echo app, when the app answered. */
  echo: Echo | null;
  /** Connection: close was sent. */
  close: boolean;
}

export interface Parsed {
  /** Final responses in order (1xx interim responses are skipped). */
  responses: Response[];
  /** Bytes that are not a response (or an incomplete one), "" when none. */
  junk: string;
}

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?$/;

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, Array.from(b.subarray(i, i + 4096)));
  return s;
}

export function parseResponses(bytes: Uint8Array, closed: boolean): Parsed {
  const s = latin1(bytes);
  const responses: Response[] = [];
  let pos = 0;
  while (pos < s.length) {
    const headEnd = s.indexOf("\r\n\r\n", pos);
    if (headEnd === -1) break;
    const lines = s.slice(pos, headEnd).split("\r\n");
    const m = STATUS_LINE.exec(lines[0]!);
    if (m === null) break;
    const status = Number(m[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const c = line.indexOf(":");
      if (c <= 0) continue;
      const name = line.slice(0, c).toLowerCase();
      const value = line.slice(c + 1).replace(/^[ \t]+|[ \t]+$/g, "");
      headers.set(name, headers.has(name) ? headers.get(name) + ", " + value : value);
    }
    let at = headEnd + 4;
    if (status >= 100 && status < 200) {
      pos = at;
      continue;
    }
    let body = "";
    const cl = headers.get("content-length");
    if (headers.get("transfer-encoding")?.toLowerCase() === "chunked") {
      for (;;) {
        const le = s.indexOf("\r\n", at);
        if (le === -1) break;
        const size = parseInt(s.slice(at, le), 16);
        if (!Number.isFinite(size)) break;
        at = le + 2;
        if (size === 0) {
          const end = s.indexOf("\r\n\r\n", at - 2);
          at = end === -1 ? s.length : end + 4;
          break;
        }
        body += s.slice(at, at + size);
        at += size + 2;
      }
    } else if (cl !== undefined && /^\d+$/.test(cl)) {
      body = s.slice(at, at + Number(cl));
      at += Number(cl);
    } else if (closed) {
      body = s.slice(at);
      at = s.length;
    }
    const x = headers.get("x-echo");
    let echo: Echo | null = null;
    if (x !== undefined) {
      try {
        echo = decodeEcho(x);
      } catch {
        echo = null;
      }
    }
    responses.push({ status, headers, body, echo, close: (headers.get("connection") ?? "").toLowerCase().includes("close") });
    pos = Math.min(at, s.length);
  }
  return { responses, junk: s.slice(pos) };
}
