// The command line as data: the option table, argv parsing, bind-address parsing and --help text.
// Pure code: must never touch argv, the environment, files or any runtime API (serve.ts does that).

import { DEFAULT_OPTIONS, type CoreOptions } from "./options.ts";

/** The package version printed by --version (keep in step with package.json). */
export const VERSION = "0.1.0";

/** Where the server listens when -b is not given. */
export const DEFAULT_BIND = "127.0.0.1:8888";

/** A listening address: a TCP host and port, or a unix socket path. */
export type Bind = { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string };

/** What parseArgs returns for a command line that starts a server. */
export interface RunArgs {
  /** The MODULE part of MODULE[:NAME], as given (relative to the working directory). */
  module: string;
  /** The NAME part, when given. */
  exportName?: string;
  bind: Bind;
  /** The CoreOptions the command line set (milliseconds for times); unset ones are absent. */
  core: Partial<CoreOptions>;
  accessLog: boolean;
}

export type ParsedArgs = { help: true } | { version: true } | RunArgs;

/** A bad command line. The message names the flag or value; serve.ts prints it and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type ValueKind = "seconds" | "bytes" | "count" | "text";

/** One command-line option. `key` is the CoreOptions field it sets; `min` the smallest number allowed. */
interface OptionSpec {
  long: string;
  short?: string;
  /** The placeholder shown in --help; absent for a flag that takes no value. */
  metavar?: string;
  kind?: ValueKind;
  key?: keyof CoreOptions;
  min?: number;
  help: string;
  /** What --help shows as the default when it is not read from DEFAULT_OPTIONS. */
  shownDefault?: string;
  /** Returns an error phrase when the text is not acceptable, else null. */
  check?: (text: string) => string | null;
  /** Turns accepted text into the stored value. */
  normalize?: (text: string) => string;
}

const OPTIONS: readonly OptionSpec[] = [
  { long: "bind", short: "b", metavar: "ADDRESS", help: "HOST:PORT, [IPV6]:PORT or unix:PATH", shownDefault: DEFAULT_BIND },
  { long: "keep-alive", metavar: "SECONDS", kind: "seconds", key: "keepAliveTimeout", min: 0, help: "close an idle keep-alive connection after this long" },
  { long: "head-timeout", metavar: "SECONDS", kind: "seconds", key: "headTimeout", min: 0.001, help: "a request head must arrive within this time" },
  { long: "body-timeout", metavar: "SECONDS", kind: "seconds", key: "bodyTimeout", min: 0.001, help: "some of an awaited request body must arrive within this time" },
  { long: "response-timeout", metavar: "SECONDS", kind: "seconds", key: "responseTimeout", min: 0, help: "end a response that makes no progress for this long (0 = never)" },
  { long: "graceful-timeout", metavar: "SECONDS", kind: "seconds", key: "shutdownTimeout", min: 0, help: "on SIGTERM/SIGINT, wait this long for in-flight requests" },
  { long: "max-request-line", metavar: "BYTES", kind: "bytes", key: "maxRequestLine", min: 16, help: "longest request line (longer: 414)" },
  { long: "max-head-size", metavar: "BYTES", kind: "bytes", key: "maxHeadSize", min: 16, help: "largest request head (larger: 431)" },
  { long: "max-headers", metavar: "N", kind: "count", key: "maxHeaderCount", min: 1, help: "most header fields in a request (more: 431)" },
  { long: "max-body-size", metavar: "BYTES", kind: "bytes", key: "maxBodySize", min: 0, help: "largest request body (larger: 413)" },
  { long: "max-connections", metavar: "N", kind: "count", key: "maxConnections", min: 1, help: "most open connections (more: 503)" },
  { long: "root-path", metavar: "PATH", kind: "text", key: "scriptName", help: "where the app is mounted; becomes SCRIPT_NAME", check: checkRootPath, normalize: (t) => t.replace(/\/+$/, "") },
  { long: "server-header", metavar: "VALUE", kind: "text", key: "serverHeader", help: 'the Server header ("" sends none)', check: checkHeaderValue },
  { long: "access-log", help: "print one access-log line per request to stdout", shownDefault: "off" },
  { long: "help", short: "h", help: "show this help and exit" },
  { long: "version", help: "print the version and exit" },
];

function checkRootPath(text: string): string | null {
  if (text === "") return null;
  if (!text.startsWith("/")) return "expected a path starting with \"/\"";
  if (/[\x00-\x20\x7f?#]/.test(text)) return "expected a path without spaces, control characters, \"?\" or \"#\"";
  return null;
}

function checkHeaderValue(text: string): string | null {
  return /[^\t\x20-\x7e\x80-\xff]/.test(text) ? "expected a header value of printable Latin-1 characters (no control characters)" : null;
}

const BY_LONG = new Map<string, OptionSpec>(OPTIONS.map((o) => [`--${o.long}`, o]));
const BY_SHORT = new Map<string, OptionSpec>(OPTIONS.filter((o) => o.short).map((o) => [`-${o.short}`, o]));

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const INTEGER = /^\d+$/;

/** Turns an option's text into its CoreOptions value (milliseconds for seconds), or throws UsageError. */
function convert(spec: OptionSpec, flag: string, text: string): number | string {
  const min = spec.min ?? 0;
  switch (spec.kind) {
    case "seconds": {
      const n = Number(text);
      if (!DECIMAL.test(text) || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a number of seconds, got ${JSON.stringify(text)}`);
      if (n < min) throw new UsageError(`${flag}: expected at least ${min} seconds, got ${JSON.stringify(text)}`);
      return Math.round(n * 1000);
    }
    case "bytes":
    case "count": {
      const what = spec.kind === "bytes" ? "a number of bytes" : "a whole number";
      const n = Number(text);
      if (!INTEGER.test(text) || !Number.isSafeInteger(n)) throw new UsageError(`${flag}: expected ${what}, got ${JSON.stringify(text)}`);
      if (n < min) throw new UsageError(`${flag}: expected at least ${min}, got ${JSON.stringify(text)}`);
      return n;
    }
    default: {
      const problem = spec.check?.(text) ?? null;
      if (problem !== null) throw new UsageError(`${flag}: ${problem}, got ${JSON.stringify(text)}`);
      return spec.normalize ? spec.normalize(text) : text;
    }
  }
}

/**
 * Parses the user's arguments (everything after the script). Options may come before or after
 * MODULE[:NAME], as `--opt VALUE`, `--opt=VALUE`, `-b VALUE` or `-bVALUE`; `--` ends the options.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let target: string | undefined;
  let bind: Bind | undefined;
  let accessLog = false;
  const core: Partial<CoreOptions> = {};
  const seen = new Set<string>();
  let onlyPositional = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyPositional || arg === "-" || !arg.startsWith("-")) {
      if (target !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (MODULE was already given as ${JSON.stringify(target)})`);
      target = arg;
      continue;
    }
    if (arg === "--") {
      onlyPositional = true;
      continue;
    }
    let flag = arg;
    let inline: string | undefined;
    let spec: OptionSpec | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      if (eq >= 0) {
        flag = arg.slice(0, eq);
        inline = arg.slice(eq + 1);
      }
      spec = BY_LONG.get(flag);
    } else {
      flag = arg.slice(0, 2);
      if (arg.length > 2) inline = arg[2] === "=" ? arg.slice(3) : arg.slice(2);
      spec = BY_SHORT.get(flag);
    }
    if (spec === undefined) throw new UsageError(`unknown option ${JSON.stringify(flag)} (see --help)`);
    const name = `--${spec.long}`;
    if (spec.metavar === undefined) {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      if (spec.long === "help") return { help: true };
      if (spec.long === "version") return { version: true };
      accessLog = true;
      continue;
    }
    let text = inline;
    if (text === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${name}: expected ${spec.metavar}`);
      text = argv[++i];
    }
    if (seen.has(spec.long)) throw new UsageError(`${name} given twice`);
    seen.add(spec.long);
    if (spec.long === "bind") {
      bind = parseBindFor(name, text);
      continue;
    }
    (core as Record<string, unknown>)[spec.key as string] = convert(spec, name, text);
  }

  if (target === undefined) throw new UsageError("missing MODULE (usage: serve [options] MODULE[:NAME]; see --help)");
  const { module, exportName } = splitTarget(target);
  return { module, exportName, bind: bind ?? parseBind(DEFAULT_BIND), core, accessLog };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** "app.ts:handler" -> module "app.ts", exportName "handler". A colon not followed by an identifier is part of the path. */
function splitTarget(target: string): { module: string; exportName?: string } {
  const colon = target.lastIndexOf(":");
  if (colon > 0) {
    const name = target.slice(colon + 1);
    if (IDENTIFIER.test(name)) return { module: target.slice(0, colon), exportName: name };
    if (name === "") throw new UsageError(`${JSON.stringify(target)}: expected an export name after ":"`);
  }
  if (target === "") throw new UsageError("MODULE is empty");
  return { module: target };
}

function parseBindFor(flag: string, text: string): Bind {
  try {
    return parseBind(text);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

/** Parses `HOST:PORT`, `[IPV6]:PORT` or `unix:PATH`. Throws UsageError naming the problem. */
export function parseBind(text: string): Bind {
  if (text.startsWith("unix:")) {
    const path = text.slice(5);
    if (path === "") throw new UsageError(`expected unix:PATH, got ${JSON.stringify(text)}`);
    return { kind: "unix", path };
  }
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") throw new UsageError(`expected [IPV6]:PORT, got ${JSON.stringify(text)}`);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!/^[0-9A-Fa-f:.]+(%[\w.-]+)?$/.test(host) || !host.includes(":")) throw new UsageError(`expected an IPv6 address inside [], got ${JSON.stringify(text)}`);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) throw new UsageError(`expected HOST:PORT, [IPV6]:PORT or unix:PATH, got ${JSON.stringify(text)}`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host === "") throw new UsageError(`missing host in ${JSON.stringify(text)} (for example 127.0.0.1${text})`);
    if (host.includes(":")) throw new UsageError(`write an IPv6 address in brackets, like [::1]:8888, got ${JSON.stringify(text)}`);
    if (!/^[\w.-]+$/.test(host)) throw new UsageError(`bad host ${JSON.stringify(host)} in ${JSON.stringify(text)}`);
  }
  const port = Number(portText);
  if (!INTEGER.test(portText) || port > 65535) throw new UsageError(`expected a port from 0 to 65535, got ${JSON.stringify(portText)} in ${JSON.stringify(text)}`);
  return { kind: "tcp", host, port };
}

/** The text form of a bind address: `127.0.0.1:8888`, `[::1]:8888` or `unix:/path`. */
export function formatBind(bind: Bind): string {
  if (bind.kind === "unix") return `unix:${bind.path}`;
  return bind.host.includes(":") ? `[${bind.host}]:${bind.port}` : `${bind.host}:${bind.port}`;
}

/** The URL a listener reports: `http://HOST:PORT` (IPv6 in brackets) or `unix:PATH`. */
export function listenerUrl(bind: Bind, scheme = "http"): string {
  return bind.kind === "unix" ? formatBind(bind) : `${scheme}://${formatBind(bind)}`;
}

function shownDefault(spec: OptionSpec): string {
  if (spec.shownDefault !== undefined) return spec.shownDefault;
  if (spec.key === undefined) return "";
  const value = DEFAULT_OPTIONS[spec.key];
  if (spec.kind === "seconds" && typeof value === "number") return String(value / 1000);
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** The --help text: usage, then every option with its default, one per line. */
export function helpText(): string {
  const rows = OPTIONS.map((spec) => {
    const names = `${spec.short ? `-${spec.short}, ` : "    "}--${spec.long}${spec.metavar ? ` ${spec.metavar}` : ""}`;
    const def = shownDefault(spec);
    return [names, def === "" ? spec.help : `${spec.help} (default: ${def})`] as const;
  });
  const width = Math.max(...rows.map(([names]) => names.length)) + 2;
  return [
    "usage: serve [options] MODULE[:NAME]",
    "",
    "Serves the WSGI-style application exported by MODULE (a file path) as NAME,",
    "by default the default export, then `app`, then `application`.",
    "Times are in seconds (fractions allowed), sizes in bytes.",
    "",
    "options:",
    ...rows.map(([names, text]) => `  ${names.padEnd(width)}${text}`),
  ].join("\n");
}
