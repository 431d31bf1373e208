// Finds and loads the application named on the command line (MODULE[:NAME]): the file relative to
// the working directory, then the export NAME, else default, app, application. Failures are a
// Fatal with one line and an exit code. Must never print or exit (main.ts does).

import type { Application } from "../src/wsgi/types.ts";
import type { Platform } from "../runtimes/driver.ts";
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

/** An error as one line; for an AggregateError (Bun's build errors) its first error, with its position. */
export function oneLine(err: unknown): string {
  let text = err instanceof Error ? err.message : String(err);
  const first = (err as { errors?: unknown[] } | null)?.errors?.[0] as { message?: unknown; position?: { file?: unknown; line?: unknown; column?: unknown } } | undefined;
  if (first !== undefined && typeof first.message === "string") {
    const at = first.position;
    text = at && typeof at.file === "string" ? `${at.file}:${String(at.line)}:${String(at.column)}: ${first.message}` : first.message;
  }
  return text.replace(/\s*\n\s*/g, " | ").trim();
}

const DEFAULT_NAMES = ["default", "app", "application"] as const;

/** Picks the application out of the module's exports, or throws Fatal (exit 2). */
function pickApp(mod: Record<string, unknown>, args: RunArgs): Application {
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
export async function loadApp(platform: Platform, args: RunArgs): Promise<Application> {
  const path = resolvePath(platform.cwd(), args.module);
  if (!platform.isFile(path)) throw new Fatal(`cannot find module file "${args.module}"`, 2);
  let mod: Record<string, unknown>;
  try {
    mod = await platform.importModule(path);
  } catch (err) {
    throw new Fatal(`cannot load "${args.module}": ${oneLine(err)}`, 1);
  }
  return pickApp(mod, args);
}
