// Judges one input's two exchanges (tsgi and a runtime's own server) and names the first
// disagreement as a short class key: a response on one side only, a different status (with tsgi's
// error detail and node's parser code, which say why), a different method, target, header field or
// body seen by the app, or a different end of the connection. It must never call two exchanges
// equal when their responses or what their apps saw differ, and never put input bytes in a key
// (keys group; examples show the bytes).
import type { Runtime } from "./servers.ts";
import { type Exchange, type Parsed, type Response, parseResponses } from "./wire.ts";

export interface Observation {
  ex: Exchange;
  parsed: Parsed;
}

export function observe(ex: Exchange): Observation {
  return { ex, parsed: parseResponses(ex.bytes, ex.closed) };
}

/** Header keys named in class keys; others are grouped as HTTP_(other). */
const NAMED = new Set(["HTTP_HOST", "CONTENT_LENGTH", "CONTENT_TYPE", "HTTP_TRANSFER_ENCODING", "HTTP_CONNECTION", "HTTP_EXPECT", "HTTP_X_A", "HTTP_TE", "HTTP_TRAILER", "HTTP_UPGRADE"]);

/** Why a server refused: tsgi's error detail, node's parser code; nothing for Bun and Deno. */
function detail(side: "tsgi" | Runtime, r: Response): string {
  if (r.echo !== null || r.status < 400) return "";
  if (side === "tsgi") {
    const m = /^\d{3} [^:]+: ([^\n]*)\n?$/.exec(r.body);
    return m === null ? "" : m[1]!;
  }
  if (side === "node") return /^[A-Z_]+$/.test(r.body) ? r.body : "";
  return "";
}

function fmt(side: "tsgi" | Runtime, r: Response | undefined, o: Observation): string {
  if (r === undefined) return o.ex.closed ? (o.ex.reset ? "none (reset)" : "none (closed)") : "none (waits)";
  const d = detail(side, r);
  return d === "" ? String(r.status) : `${r.status} (${d})`;
}

/** The target as Bun and Deno report it: the path and query of the URL built from the raw target. */
function urlTarget(raw: string): string {
  try {
    const u = new URL(raw, "http://h");
    return u.pathname + u.search;
  } catch {
    return raw;
  }
}

/** The class of the first disagreement, or null when both sides agree. */
export function classify(rt: Runtime, a: Observation, b: Observation): string | null {
  const ra = a.parsed.responses;
  const rb = b.parsed.responses;
  const n = Math.max(ra.length, rb.length);
  for (let i = 0; i < n; i++) {
    const x = ra[i];
    const y = rb[i];
    const where = i === 0 ? "" : "later ";
    if (x !== undefined && y !== undefined && x.status < 300 && y.status >= 400 && y === rb[rb.length - 1] && ra.slice(i + 1).some((r) => r.status === y.status)) {
      // A pipelined batch: the native server answered a later request's error in place of the
      // responses to the valid requests before it (tsgi answers those, then the same error).
      return `${rt} answers a later request's ${fmt(rt, y, b)} in place of the valid responses before it`;
    }
    if (x === undefined || y === undefined || x.status !== y.status) {
      return `${where}response: tsgi ${fmt("tsgi", x, a)} / ${rt} ${fmt(rt, y, b)}`;
    }
    const ex = x.echo;
    const ey = y.echo;
    if ((ex === null) !== (ey === null)) return `${where}response: app answered on ${ex === null ? rt : "tsgi"} only (status ${x.status})`;
    if (ex !== null && ey !== null) {
      if (ex.m !== ey.m) return `${where}method seen by the app`;
      const tx = rt === "node" ? ex.t : urlTarget(ex.t);
      if (tx !== ey.t) return `${where}target seen by the app`;
      const hx = new Map(ex.h);
      const hy = new Map(ey.h);
      const keys = [...new Set([...hx.keys(), ...hy.keys()])].sort();
      for (const k of keys) {
        const vx = hx.get(k);
        const vy = hy.get(k);
        if (vx === vy) continue;
        const name = NAMED.has(k) ? k : "HTTP_(other)";
        if (vx === undefined) return `${where}header ${name} seen by the ${rt} app only`;
        if (vy === undefined) return `${where}header ${name} seen by the tsgi app only`;
        return `${where}header ${name} value seen by the app`;
      }
      if (ex.b !== ey.b) return `${where}body seen by the app`;
    }
  }
  if (a.ex.closed !== b.ex.closed) {
    return `after ${n === 0 ? "no response" : "the responses"}: tsgi ${a.ex.closed ? "closes" : "waits"} / ${rt} ${b.ex.closed ? "closes" : "waits"}`;
  }
  if ((a.parsed.junk === "") !== (b.parsed.junk === "")) return `bytes that are not a response from ${a.parsed.junk === "" ? rt : "tsgi"}`;
  return null;
}

/** A one-line account of an observation for the report. */
export function describeObservation(side: "tsgi" | Runtime, o: Observation): string {
  const parts = o.parsed.responses.map((r) => {
    const e = r.echo;
    if (e === null) return `${r.status}${detail(side, r) === "" ? "" : ` (${detail(side, r)})`}${r.body === "" || detail(side, r) !== "" ? "" : ` body=${JSON.stringify(r.body.slice(0, 80))}`}`;
    return `${r.status} app saw ${JSON.stringify({ m: e.m, t: e.t, h: Object.fromEntries(e.h), b: e.b.length > 80 ? e.b.slice(0, 80) + "..." : e.b })}`;
  });
  const end = o.ex.closed ? (o.ex.reset ? "reset" : "closed") : "waits";
  const junk = o.parsed.junk === "" ? "" : ` junk=${JSON.stringify(o.parsed.junk.slice(0, 80))}`;
  return `${parts.length === 0 ? "no response" : parts.join(" | ")}; then ${end}${junk}`;
}
