// Finds and loads the application named on the command line (MODULE[:NAME]): the file relative to
// the working directory, then the export NAME, else default, app, application. Failures are a
// Fatal with one line and an exit code. Must never print or exit (main.ts does).

import type { Application } from "../src/wsgi/types.ts";
import type { Platform } from "../runtimes/driver.ts";
import { UnsupportedModule } from "../runtimes/load-error.ts";
import type { RunArgs } from "./parse.ts";

/** Thrown to stop startup: the message (without the "tsgi: error: " prefix) and the exit code. */
export class Fatal extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = "Fatal";
  }
}

/** cwd + relative path, with "." and ".." segments resolved (POSIX paths). */
function resolvePath(cwd: string, path: string): string {
  const parts: string[] = [];
  for (const seg of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return "/" + parts.join("/");
}

/** CSI escape sequences (Deno colours parts of its messages when stdout is a terminal). */
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
/** A line of a code frame under a syntax error: `  |`, `1 | const x = ;`, `  |     ~`. */
const FRAME_LINE = /^\s*\d*\s*\|/;
/** A position line: `at file:///app.ts:1:11`. */
const AT_LINE = /^\s*at (\S+:\d+:\d+)\s*$/;

/** A file: URL as a path (percent-decoded); anything else as it is. */
function displayPath(where: string): string {
  if (!where.startsWith("file://")) return where;
  try {
    return decodeURIComponent(new URL(where).pathname);
  } catch {
    return where;
  }
}

/** Bun's build and resolve errors carry their place: `position` on the error, or on an AggregateError's first error. */
function positioned(err: unknown): string | null {
  const candidates = [err, (err as { errors?: unknown[] } | null)?.errors?.[0]];
  for (const c of candidates) {
    const e = c as { message?: unknown; position?: { file?: unknown; line?: unknown; column?: unknown } | null } | null | undefined;
    if (typeof e?.message !== "string") continue;
    const at = e.position;
    if (at && typeof at.file === "string" && at.file !== "") return `${at.file}:${String(at.line)}:${String(at.column)}: ${e.message}`;
    if (c !== err) return e.message;
  }
  return null;
}

/**
 * An error as one line of plain text. A syntax error becomes `file:line:col: message`: the code
 * frame Deno puts under it is left out, and its `at URL:line:col` line moves to the front.
 */
export function oneLine(err: unknown): string {
  const located = positioned(err);
  if (located !== null) return located.replace(/\s*\n\s*/g, " ").trim();
  const text = (err instanceof Error ? err.message : String(err)).replace(ANSI, "");
  let where = "";
  const rest: string[] = [];
  for (const line of text.split("\n")) {
    const at = AT_LINE.exec(line);
    if (at !== null) {
      if (where === "") where = displayPath(at[1]!);
    } else if (line.trim() !== "" && !FRAME_LINE.test(line)) rest.push(line.trim());
  }
  return (where === "" ? "" : `${where}: `) + rest.join(" | ");
}

/** The arguments that name a module (main.ts serves the welcome app when none is named). */
type AppArgs = RunArgs & { module: string };

const DEFAULT_NAMES = ["default", "app", "application"] as const;

/** Picks the application out of the module's exports, or throws Fatal (exit 2). */
function pickApp(mod: Record<string, unknown>, args: AppArgs): Application {
  const exports = Object.keys(mod).sort();
  const listed = `(exports: ${exports.length > 0 ? exports.join(", ") : "none"})`;
  const names = args.exportName !== undefined ? [args.exportName] : DEFAULT_NAMES;
  const present = names.filter((n) => mod[n] !== undefined);
  const app = present.find((n) => typeof mod[n] === "function");
  if (app !== undefined) return mod[app] as Application;
  if (present.length > 0) {
    const value = mod[present[0]!];
    throw new Fatal(`${args.module}: export "${present[0]}" is not a function (it is ${value === null ? "null" : `a ${typeof value}`})`, 2);
  }
  const wanted = args.exportName !== undefined ? `"${args.exportName}"` : `"default", "app" or "application"`;
  throw new Fatal(`${args.module} has no export ${wanted} ${listed}`, 2);
}

/** Loads MODULE and picks the application; throws Fatal with the line to print. */
export async function loadApp(platform: Platform, args: AppArgs): Promise<Application> {
  const path = resolvePath(platform.cwd(), args.module);
  let found: boolean;
  try {
    found = platform.isFile(path);
  } catch (err) {
    throw new Fatal(`cannot read module file "${args.module}": ${oneLine(err)}`, 2);
  }
  if (!found) throw new Fatal(`cannot find module file "${args.module}"`, 2);
  let mod: Record<string, unknown>;
  try {
    mod = await platform.importModule(path);
  } catch (err) {
    throw new Fatal(`cannot load "${args.module}": ${oneLine(err)}`, err instanceof UnsupportedModule ? 2 : 1);
  }
  return pickApp(mod, args);
}
