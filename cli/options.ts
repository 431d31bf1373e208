// The command line's options as data: each flag, its value kind, the CoreOptions field it sets,
// its help text and how it is checked. Must never parse argv or touch any runtime API.

import type { CoreOptions } from "../src/server/options.ts";
import { DEFAULT_BIND } from "../runtimes/bind.ts";
import { TrustListError, TrustedProxies } from "../src/server/trusted-proxies.ts";
import { AccessFormatError, compileAccessFormat } from "../src/server/access-log.ts";
import { LOG_LEVELS } from "./logs.ts";
import { CERT_REQS } from "../runtimes/tls.ts";

/** The package version printed by --version (keep in step with package.json). */
export const VERSION = "0.1.0";

export type ValueKind = "seconds" | "bytes" | "count" | "text";

/** One command-line option. `key` is the CoreOptions field it sets; `min` the smallest number allowed. */
export interface OptionSpec {
  readonly long: string;
  readonly short?: string;
  /** The placeholder shown in --help; absent for a flag that takes no value. */
  readonly metavar?: string;
  readonly kind?: ValueKind;
  readonly key?: keyof CoreOptions;
  readonly min?: number;
  readonly help: string;
  /** What --help shows as the default when it is not read from DEFAULT_OPTIONS. */
  readonly shownDefault?: string;
  /** Returns an error phrase when the text is not acceptable, else null. */
  readonly check?: (text: string) => string | null;
  /** Turns accepted text into the stored value. */
  readonly normalize?: (text: string) => string;
}

function checkRootPath(text: string): string | null {
  if (text === "") return null;
  if (!text.startsWith("/")) return "expected a path starting with \"/\"";
  if (/[\x00-\x20\x7f?#]/.test(text)) return "expected a path without spaces, control characters, \"?\" or \"#\"";
  return null;
}

function checkHeaderValue(text: string): string | null {
  return /[^\t\x20-\x7e\x80-\xff]/.test(text) ? "expected a header value of printable Latin-1 characters (no control characters)" : null;
}

function checkAllowList(text: string): string | null {
  try {
    new TrustedProxies(text);
    return null;
  } catch (e) {
    if (e instanceof TrustListError) return `expected addresses and CIDR ranges separated by commas, or "*" (${e.message})`;
    throw e;
  }
}

function checkAccessFormat(text: string): string | null {
  try {
    compileAccessFormat(text);
    return null;
  } catch (e) {
    if (e instanceof AccessFormatError) return `expected gunicorn's %(atom)s atoms or "json" (${e.message})`;
    throw e;
  }
}

function checkLevel(text: string): string | null {
  return (LOG_LEVELS as readonly string[]).includes(text) ? null : `expected one of ${LOG_LEVELS.join(", ")}`;
}

function checkFile(text: string): string | null {
  return text === "" ? 'expected a file name or "-"' : null;
}

function checkOctal(text: string): string | null {
  return /^(0o?)?[0-7]{1,4}$/.test(text) && parseOctal(text) <= 0o777 ? null : "expected an octal mode from 0 to 777, like 660 or 0o077";
}

/** "660", "0660" or "0o660" as a number. */
export function parseOctal(text: string): number {
  return Number.parseInt(text.replace(/^0o/, ""), 8);
}

function checkCertReqs(text: string): string | null {
  return (CERT_REQS as readonly string[]).includes(text) ? null : `expected one of ${CERT_REQS.join(", ")}`;
}

export const OPTIONS: readonly OptionSpec[] = [
  { long: "bind", short: "b", metavar: "ADDRESS", help: "HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N; may be given several times", shownDefault: DEFAULT_BIND },
  { long: "backlog", metavar: "N", kind: "count", min: 1, help: "the listen backlog (Node; Bun and Deno cannot set it and say so)", shownDefault: "the runtime's" },
  { long: "umask", metavar: "MODE", kind: "text", help: "octal umask a unix socket file is created with", check: checkOctal },
  { long: "socket-mode", metavar: "MODE", kind: "text", help: "octal mode of a unix socket file once bound, e.g. 660", check: checkOctal },
  { long: "certfile", metavar: "PATH", kind: "text", help: "serve HTTPS on TCP listeners with this PEM certificate (chain); needs --keyfile" },
  { long: "keyfile", metavar: "PATH", kind: "text", help: "the PEM private key of --certfile" },
  { long: "ca-certs", metavar: "PATH", kind: "text", help: "PEM certificates client certificates are verified against" },
  { long: "cert-reqs", metavar: "MODE", kind: "text", help: "client certificate: none, optional (verified when sent) or required", shownDefault: "none", check: checkCertReqs },
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
  { long: "limit-concurrency", metavar: "N", kind: "count", key: "limitConcurrency", min: 0, help: "most requests in the app at once per worker (0 = no limit); more wait, see --backlog-requests" },
  { long: "backlog-requests", metavar: "N", kind: "count", key: "backlogRequests", min: 0, help: "with --limit-concurrency: most requests waiting for a slot per worker; one more gets 503 with Retry-After" },
  { long: "root-path", metavar: "PATH", kind: "text", key: "scriptName", help: "where the app is mounted; becomes SCRIPT_NAME", check: checkRootPath, normalize: (t) => t.replace(/\/+$/, "") },
  { long: "server-header", metavar: "VALUE", kind: "text", key: "serverHeader", help: 'the Server header ("" sends none)', check: checkHeaderValue },
  {
    long: "forwarded-allow-ips",
    metavar: "LIST",
    kind: "text",
    key: "forwardedAllowIps",
    help: 'whose Forwarded / X-Forwarded-* headers count: addresses and CIDR ranges, "*" for all (unix socket peers always)',
    check: checkAllowList,
  },
  {
    long: "proxy-protocol",
    metavar: "VERSION",
    kind: "text",
    key: "proxyProtocol",
    help: "take HAProxy's PROXY protocol header (v1, v2, or auto for either) from the peers of --forwarded-allow-ips; off: none",
    check: (t) => (["off", "v1", "v2", "auto"].includes(t) ? null : "expected off, v1, v2 or auto"),
  },
  { long: "forwarded-host", key: "forwardedHost", help: "a trusted proxy's forwarded host and port become SERVER_NAME and SERVER_PORT", shownDefault: "off" },
  { long: "workers", short: "w", metavar: "N", help: "worker processes serving the app on the same address (auto: one per CPU); above 1 a supervisor runs them", shownDefault: "1" },
  { long: "timeout", metavar: "SECONDS", kind: "seconds", min: 0, help: "with workers: kill and replace a worker whose event loop makes no progress this long (0 = never)", shownDefault: "30" },
  { long: "max-requests", metavar: "N", kind: "count", min: 0, help: "with workers: replace a worker after about N requests, the new one listening first (0 = never)", shownDefault: "0" },
  { long: "max-requests-jitter", metavar: "N", kind: "count", min: 0, help: "add 0..N at random to --max-requests per worker, so workers are not replaced together", shownDefault: "0" },
  { long: "reload", help: "development: restart the workers when a .ts/.js/.mjs file under the app's folder changes", shownDefault: "off" },
  { long: "access-log", help: "print one access-log line per request to stdout", shownDefault: "off" },
  { long: "validate", help: "check every request against the interface (docs/interface.md); errors name the rule", shownDefault: "off" },
  { long: "access-logfile", metavar: "FILE", kind: "text", help: 'write one access-log line per request to FILE ("-": stdout, as --access-log does); reopened on SIGUSR1', shownDefault: "none", check: checkFile },
  { long: "access-logformat", metavar: "FORMAT", kind: "text", key: "accessLogFormat", help: "gunicorn's %(atom)s atoms, or json for one JSON object per line", check: checkAccessFormat },
  { long: "error-logfile", metavar: "FILE", kind: "text", help: 'write error lines to FILE ("-": stderr); reopened on SIGUSR1', shownDefault: "-", check: checkFile },
  { long: "log-level", metavar: "LEVEL", kind: "text", help: `the least important error-log lines written: ${LOG_LEVELS.join(", ")}`, shownDefault: "info", check: checkLevel },
  { long: "help", short: "h", help: "show this help and exit" },
  { long: "version", help: "print the version and exit" },
];
