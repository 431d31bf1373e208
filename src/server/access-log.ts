// Access-log lines: a format of gunicorn's atoms (`%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s
// "%(f)s" "%(a)s"` by default, Apache's combined log format) or `json` (one object per line),
// compiled once into a function of one finished exchange. Values are escaped so a line stays one
// parseable line: `"` and `\` get a backslash, control characters become \xHH.
// Must never throw once compiled, never change what the client gets, and never do work a format
// does not ask for (the duration is measured only when an atom needs it).

import type { Environ } from "../wsgi/types.ts";

/** gunicorn's default access-log format: the combined log format. */
export const DEFAULT_ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"';
/** The format name that gives one JSON object per line. */
export const JSON_FORMAT = "json";

/** A format that cannot be compiled; the message names the problem. */
export class AccessFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AccessFormatError";
  }
}

/** One finished exchange, as the access log sees it. */
export interface AccessRecord {
  readonly environ: Environ;
  /** The response's status code and body bytes sent. */
  readonly status: number;
  readonly bytes: number;
  /** The response's fields as [name, value, name, value, ...] (empty for a response the server made). */
  readonly fields: readonly string[];
  /** Wall-clock time at the end, in ms since the epoch. */
  readonly now: number;
  /** The exchange's duration in ms (0 unless the format is timed). */
  readonly duration: number;
}

export interface AccessFormat {
  readonly line: (r: AccessRecord) => string;
  /** Some atom needs the exchange's duration (measure it; otherwise don't). */
  readonly timed: boolean;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Common log format time in UTC, bracketed: `[10/Oct/2000:13:55:36 +0000]`. */
export function logTime(ms: number): string {
  const d = new Date(ms);
  return `[${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000]`;
}

const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f]/;

/** The value with `"`, `\` and control characters escaped (Apache's way). */
export function escapeValue(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/["\\\x00-\x1f\x7f]/g, (c) => (c === '"' || c === "\\" ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));
}

function str(env: Environ, key: string): string {
  const v = env[key];
  return typeof v === "string" ? v : "";
}

function dash(v: string): string {
  return v === "" ? "-" : v;
}

/** The user name of `Authorization: Basic`, or "". */
function basicUser(env: Environ): string {
  const auth = str(env, "HTTP_AUTHORIZATION");
  if (!/^basic /i.test(auth)) return "";
  try {
    const decoded = atob(auth.slice(6).trim());
    const colon = decoded.indexOf(":");
    return colon === -1 ? "" : decoded.slice(0, colon);
  } catch {
    return "";
  }
}

function requestLine(env: Environ): string {
  return `${str(env, "REQUEST_METHOD")} ${str(env, "tsgi.raw_uri")} ${str(env, "SERVER_PROTOCOL")}`;
}

/** The request header's environ key: `User-Agent` -> HTTP_USER_AGENT (CONTENT_TYPE and CONTENT_LENGTH bare). */
function headerKey(name: string): string {
  const upper = name.toUpperCase().replace(/-/g, "_");
  return upper === "CONTENT_TYPE" || upper === "CONTENT_LENGTH" ? upper : `HTTP_${upper}`;
}

function responseField(fields: readonly string[], lower: string): string {
  let out = "";
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i]!.toLowerCase() === lower) out = out === "" ? fields[i + 1]! : `${out}, ${fields[i + 1]!}`;
  }
  return out;
}

type Atom = (r: AccessRecord) => string;

const TIMED = new Set(["T", "M", "D", "L"]);

/** gunicorn's atoms; `pid` is the process id for %(p)s. */
function atom(name: string, pid: number): Atom | null {
  const braced = /^\{([^}]+)\}([ioe])$/.exec(name);
  if (braced !== null) {
    const key = braced[1]!;
    switch (braced[2]) {
      case "i": {
        const envKey = headerKey(key);
        return (r) => dash(str(r.environ, envKey));
      }
      case "o": {
        const lower = key.toLowerCase();
        return (r) => dash(responseField(r.fields, lower));
      }
      default:
        return (r) => {
          const v = r.environ[key] ?? r.environ[key.toUpperCase()];
          return v === undefined || v === null ? "-" : dash(String(v));
        };
    }
  }
  switch (name) {
    case "h":
      return (r) => dash(str(r.environ, "REMOTE_ADDR"));
    case "l":
      return () => "-";
    case "u":
      return (r) => dash(basicUser(r.environ));
    case "t":
      return (r) => logTime(r.now);
    case "r":
      return (r) => requestLine(r.environ);
    case "m":
      return (r) => str(r.environ, "REQUEST_METHOD");
    case "U":
      return (r) => str(r.environ, "SCRIPT_NAME") + str(r.environ, "PATH_INFO");
    case "q":
      return (r) => str(r.environ, "QUERY_STRING");
    case "H":
      return (r) => str(r.environ, "SERVER_PROTOCOL");
    case "s":
      return (r) => String(r.status);
    case "B":
      return (r) => String(r.bytes);
    case "b":
      return (r) => String(r.bytes);
    case "f":
      return (r) => dash(str(r.environ, "HTTP_REFERER"));
    case "a":
      return (r) => dash(str(r.environ, "HTTP_USER_AGENT"));
    case "T":
      return (r) => String(Math.floor(r.duration / 1000));
    case "M":
      return (r) => String(Math.floor(r.duration));
    case "D":
      return (r) => String(Math.floor(r.duration * 1000));
    case "L":
      return (r) => (r.duration / 1000).toFixed(6);
    case "p":
      return () => `<${pid}>`;
    default:
      return null;
  }
}

/** One JSON object per line. */
function jsonFormat(r: AccessRecord): string {
  const env = r.environ;
  return JSON.stringify({
    time: new Date(r.now).toISOString(),
    remote_addr: str(env, "REMOTE_ADDR"),
    peer_addr: str(env, "tsgi.peer_addr"),
    method: str(env, "REQUEST_METHOD"),
    uri: str(env, "tsgi.raw_uri"),
    protocol: str(env, "SERVER_PROTOCOL"),
    status: r.status,
    bytes: r.bytes,
    referer: str(env, "HTTP_REFERER"),
    user_agent: str(env, "HTTP_USER_AGENT"),
    duration_ms: Math.round(r.duration * 1000) / 1000,
  });
}

/**
 * Compiles `format` (`%(atom)s` atoms, `%%` for a percent sign, other text as it is; or "json")
 * into a function. Throws AccessFormatError for an unknown atom or a stray `%`.
 */
export function compileAccessFormat(format: string, pid = 0): AccessFormat {
  if (format === JSON_FORMAT) return { line: jsonFormat, timed: true };
  const literals: string[] = [];
  const atoms: Atom[] = [];
  let timed = false;
  let text = "";
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf("%", i);
    if (pct === -1) {
      text += format.slice(i);
      break;
    }
    text += format.slice(i, pct);
    if (format[pct + 1] === "%") {
      text += "%";
      i = pct + 2;
      continue;
    }
    const m = /^%\(([^)]*)\)s/.exec(format.slice(pct));
    if (m === null) throw new AccessFormatError(`a "%" at ${pct} that is not %(atom)s or %%`);
    const name = m[1]!;
    const fn = atom(name, pid);
    if (fn === null) throw new AccessFormatError(`unknown atom %(${name})s`);
    if (TIMED.has(name)) timed = true;
    literals.push(text);
    atoms.push(fn);
    text = "";
    i = pct + m[0].length;
  }
  literals.push(text);
  const n = atoms.length;
  const line = (r: AccessRecord): string => {
    let out = literals[0]!;
    for (let k = 0; k < n; k++) out += escapeValue(atoms[k]!(r)) + literals[k + 1]!;
    return out;
  };
  return { line, timed };
}
