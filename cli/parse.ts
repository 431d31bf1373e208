// argv to what the command line runs: options (before or after MODULE[:NAME]) checked against the
// option table and converted to CoreOptions values. Pure code: must never touch argv, the
// environment, files or any runtime API (main.ts does that through the Platform).

import type { CoreOptions } from "../src/server/options.ts";
import { type Bind, BindError, DEFAULT_BIND, parseBind } from "../runtimes/bind.ts";
import type { LogArgs, LogLevel } from "./logs.ts";
import type { CertReqs, TlsFiles } from "../runtimes/tls.ts";
import { OPTIONS, type OptionSpec, parseOctal } from "./options.ts";

/** What parseArgs returns for a command line that starts a server. */
export interface RunArgs {
  /** The MODULE part of MODULE[:NAME], as given (relative to the working directory); absent: the built-in welcome app (welcome.ts). */
  module?: string;
  /** The NAME part, when given. */
  exportName?: string;
  /** The first listening address (of `binds`). */
  bind: Bind;
  /** Every listening address, in the order given (-b may be repeated). */
  binds: Bind[];
  /** How to listen: TLS files, backlog, unix socket file mode. */
  listen: ListenArgs;
  /** The CoreOptions the command line set (milliseconds for times); unset ones are absent. */
  core: Partial<CoreOptions>;
  logs: LogArgs;
  /** --validate: wrap the app in validate() (adapters/validate.ts). */
  validate?: boolean;
  /** --workers: how many worker processes ("auto": one per CPU); 1 runs no supervisor. */
  workers: number | "auto";
  /** --timeout in milliseconds: the supervisor's watchdog (0 = off). */
  timeout: number;
  /** --max-requests and --max-requests-jitter (0: a worker is never replaced for its count). */
  maxRequests: number;
  maxRequestsJitter: number;
  /** --reload: a supervisor restarts the workers when a source file under the app's folder changes. */
  reload: boolean;
}

/** --timeout's default: gunicorn's worker timeout. */
export const DEFAULT_WORKER_TIMEOUT_MS = 30_000;

/** The listening settings of the command line (runtimes/driver.ts ListenOptions, files not yet read). */
export interface ListenArgs {
  tls?: TlsFiles;
  backlog?: number;
  umask?: number;
  socketMode?: number;
}

export type ParsedArgs = { help: true } | { version: true } | RunArgs;

/** A bad command line. The message names the flag or value; main.ts prints it and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
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

/** A bind address from the command line; its errors name the flag. */
function bindFrom(flag: string, text: string): Bind {
  try {
    return parseBind(text);
  } catch (err) {
    if (err instanceof BindError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

/**
 * Parses the user's arguments (everything after the script). Options may come before or after
 * MODULE[:NAME], as `--opt VALUE`, `--opt=VALUE`, `-b VALUE` or `-bVALUE`; `--` ends the options.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let target: string | undefined;
  const binds: Bind[] = [];
  const texts: Partial<Record<string, string>> = {};
  let backlog: number | undefined;
  let accessLog = false;
  let validate = false;
  const logs: LogArgs = { accessFile: null, errorFile: null, level: "info" };
  let workers: number | "auto" = 1;
  let timeout = DEFAULT_WORKER_TIMEOUT_MS;
  let maxRequests = 0;
  let reload = false;
  let maxRequestsJitter = 0;
  const core: Partial<CoreOptions> = {};
  const seen = new Set<string>();
  let onlyPositional = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
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
      if (spec.long === "validate") validate = true;
      else if (spec.long === "reload") reload = true;
      else if (spec.key !== undefined) (core as Record<string, unknown>)[spec.key] = true;
      else accessLog = true;
      continue;
    }
    let text = inline;
    if (text === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${name}: expected ${spec.metavar}`);
      text = argv[++i]!;
    }
    if (spec.long === "bind") {
      binds.push(bindFrom(name, text));
      continue;
    }
    if (seen.has(spec.long)) throw new UsageError(`${name} given twice`);
    seen.add(spec.long);
    if (spec.long === "workers") {
      workers = workersFrom(name, text);
      continue;
    }
    if (spec.long === "timeout") {
      timeout = convert(spec, name, text) as number;
      continue;
    }
    if (spec.long === "max-requests" || spec.long === "max-requests-jitter") {
      const n = convert(spec, name, text) as number;
      if (spec.long === "max-requests") maxRequests = n;
      else maxRequestsJitter = n;
      continue;
    }
    if (spec.key === undefined) {
      const value = convert(spec, name, text);
      if (typeof value === "number") backlog = value;
      else if (spec.long === "access-logfile") logs.accessFile = value;
      else if (spec.long === "error-logfile") logs.errorFile = value;
      else if (spec.long === "log-level") logs.level = value as LogLevel;
      else texts[spec.long] = value;
      continue;
    }
    (core as Record<string, unknown>)[spec.key as string] = convert(spec, name, text);
  }

  const { module, exportName } = target === undefined ? {} : splitTarget(target);
  if (accessLog && logs.accessFile === null) logs.accessFile = "-";
  if (binds.length === 0) binds.push(parseBind(DEFAULT_BIND));
  return { module, exportName, bind: binds[0]!, binds, listen: listenArgs(texts, backlog), core, logs, ...(validate ? { validate } : {}), workers, timeout, maxRequests, maxRequestsJitter, reload };
}

/** --workers N (at least 1) or "auto". */
function workersFrom(flag: string, text: string): number | "auto" {
  if (text === "auto") return "auto";
  const n = Number(text);
  if (!INTEGER.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag}: expected a whole number of at least 1 or "auto", got ${JSON.stringify(text)}`);
  return n;
}

/** The listening settings from the text of their options; TLS options without both files are refused. */
function listenArgs(texts: Partial<Record<string, string>>, backlog: number | undefined): ListenArgs {
  const out: ListenArgs = { backlog };
  if (texts.umask !== undefined) out.umask = parseOctal(texts.umask);
  if (texts["socket-mode"] !== undefined) out.socketMode = parseOctal(texts["socket-mode"]);
  const { certfile, keyfile } = texts;
  if (certfile !== undefined && keyfile !== undefined) {
    const certReqs = (texts["cert-reqs"] ?? "none") as CertReqs;
    out.tls = { certfile, keyfile, caCerts: texts["ca-certs"], certReqs };
    if (certReqs !== "none" && out.tls.caCerts === undefined) throw new UsageError(`--cert-reqs ${certReqs} needs --ca-certs PATH (the certificates client certificates are verified against)`);
  } else if (certfile !== undefined) throw new UsageError("--certfile needs --keyfile PATH (the certificate's private key)");
  else if (keyfile !== undefined) throw new UsageError("--keyfile needs --certfile PATH");
  else for (const flag of ["ca-certs", "cert-reqs"]) if (texts[flag] !== undefined) throw new UsageError(`--${flag} needs --certfile and --keyfile`);
  return out;
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
