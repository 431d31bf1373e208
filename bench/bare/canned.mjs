// The bare-socket ceiling servers' shared logic: the canned response of each variant and a counter
// of complete request heads ("\r\n\r\n") across chunk boundaries. No HTTP parsing beyond that.
// It must never import a runtime API: it is loaded by Node, Bun and Deno alike.
import { BIG, CHUNK, CHUNK_COUNT, HELLO, UPLOAD_ANSWER } from "../lib/payloads.mjs";

const encoder = new TextEncoder();

function concat(parts) {
  const bytes = parts.map((part) => (typeof part === "string" ? encoder.encode(part) : part));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

function fixed(body, extraHeaders = "") {
  return concat([
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.byteLength}\r\n${extraHeaders}\r\n`,
    body,
  ]);
}

function chunked() {
  const parts = ["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"];
  for (let i = 0; i < CHUNK_COUNT; i++) parts.push(`${CHUNK.byteLength.toString(16)}\r\n`, CHUNK, "\r\n");
  parts.push("0\r\n\r\n");
  return concat(parts);
}

/** Variant name -> { response, close }: close means end the connection after one response. */
export const VARIANTS = {
  hello: { response: fixed(HELLO), close: false },
  close: { response: fixed(HELLO, "Connection: close\r\n"), close: true },
  big: { response: fixed(BIG), close: false },
  upload: { response: fixed(UPLOAD_ANSWER), close: false },
  stream: { response: chunked(), close: false },
};

/** The canned response repeated n times (cached), for n pipelined requests found in one read. */
export function responsesFor(variant) {
  const cache = [];
  return (n) => (cache[n] ??= concat(Array.from({ length: n }, () => variant.response)));
}

const CR = 13;
const LF = 10;
const END = [CR, LF, CR, LF];

/** Returns count(bytes) -> number of "\r\n\r\n" completed in bytes, remembering a partial match. */
export function headCounter() {
  let matched = 0; // bytes of "\r\n\r\n" matched at the end of the previous chunk
  return function count(buf) {
    let n = 0;
    let i = 0;
    while (matched > 0 && i < buf.length) {
      if (buf[i] !== END[matched]) {
        matched = 0;
        break;
      }
      i++;
      if (++matched === 4) {
        n++;
        matched = 0;
      }
    }
    for (;;) {
      const j = buf.indexOf(CR, i);
      if (j < 0) return n;
      let k = 1;
      while (k < 4 && j + k < buf.length && buf[j + k] === END[k]) k++;
      if (k === 4) {
        n++;
        i = j + 4;
      } else if (j + k === buf.length) {
        matched = k;
        return n;
      } else {
        i = j + 1;
      }
    }
  };
}
