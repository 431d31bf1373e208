// The --help text: usage, then every option of the table with its default, one per line.
// Must never parse argv or print (main.ts prints it).

import { DEFAULT_OPTIONS } from "../src/server/options.ts";
import { OPTIONS, type OptionSpec } from "./options.ts";

function shownDefault(spec: OptionSpec): string {
  if (spec.shownDefault !== undefined) return spec.shownDefault;
  if (spec.key === undefined) return "";
  const value = DEFAULT_OPTIONS[spec.key];
  if (spec.kind === "seconds" && typeof value === "number") return String(value / 1000);
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export function helpText(): string {
  const rows = OPTIONS.map((spec) => {
    const names = `${spec.short ? `-${spec.short}, ` : "    "}--${spec.long}${spec.metavar ? ` ${spec.metavar}` : ""}`;
    const def = shownDefault(spec);
    return [names, def === "" ? spec.help : `${spec.help} (default: ${def})`] as const;
  });
  const width = Math.max(...rows.map(([names]) => names.length)) + 2;
  return [
    "usage: serve [options] [MODULE[:NAME]]",
    "",
    "Serves the WSGI-style application exported by MODULE (a file path) as NAME,",
    "by default the default export, then `app`, then `application`.",
    "Without MODULE, serves a built-in welcome page that shows the request's environ.",
    "Times are in seconds (fractions allowed), sizes in bytes.",
    "",
    "options:",
    ...rows.map(([names, text]) => `  ${names.padEnd(width)}${text}`),
    "",
    "signals:",
    "  SIGTERM, SIGINT    stop gracefully (in-flight requests finish), exit 0; a second one stops at once",
    "  SIGHUP             with --workers: reload (new workers load the app afresh, then the old ones drain)",
    "                     without, with --certfile: read the TLS files again for new connections",
    "  SIGTTIN, SIGTTOU   with --workers: one worker more, one fewer",
  ].join("\n");
}
