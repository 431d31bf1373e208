// The built-in welcome app, served when the command line names no MODULE (`npm start`,
// `bun run serve`, `deno run --allow-net serve.ts`): a page showing the request's environ, as HTML
// for a browser (Accept names text/html) and as plain text otherwise, and the hint main.ts prints.
// Must never read a file or the request body, or change environ: it needs no permission but --allow-net.

import type { Application, Environ } from "../src/wsgi/types.ts";
import type { RuntimeName } from "../runtimes/driver.ts";

/** How to name your own app on each runtime, as the README's commands do. */
const OWN_APP: Record<RuntimeName, string> = {
  bun: "bun run serve [options] app.ts",
  deno: "deno run --allow-net --allow-read serve.ts [options] app.ts",
  node: "npx tsgi [options] app.ts, or in this repository npm start -- [options] app.ts",
};

/** The line printed on stderr when the welcome app is served. */
export function welcomeHint(runtime: RuntimeName): string {
  return `tsgi: no MODULE given, so serving the built-in welcome page; to serve your own app, name its file: ${OWN_APP[runtime]}; --help lists the options`;
}

/** One environ value as text: strings as they are, arrays as JSON, objects and functions by type. */
function show(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return JSON.stringify(value);
  if (typeof value === "function") return `<function ${value.name || "anonymous"}>`;
  if (typeof value === "object" && value !== null) return `<object ${value.constructor?.name ?? "Object"}>`;
  return String(value);
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function rows(environ: Environ): [string, string][] {
  return Object.keys(environ)
    .sort()
    .map((key) => [key, show(environ[key])]);
}

function textPage(environ: Environ, runtime: string): string {
  const lines = rows(environ).map(([k, v]) => `${k} = ${v}\n`);
  return `tsgi is running (${runtime}). This is the built-in welcome app: serve your own by naming its file on the command line.\n\nThe request's environ:\n\n${lines.join("")}`;
}

function htmlPage(environ: Environ, runtime: string): string {
  const table = rows(environ)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>tsgi is running</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em}th{text-align:left;padding-right:1em;vertical-align:top;white-space:nowrap}td{font-family:ui-monospace,monospace;word-break:break-all}</style></head>
<body>
<h1>tsgi is running (${escapeHtml(runtime)})</h1>
<p>This is the built-in welcome app. To serve your own, name its file on the command line, e.g. <code>npx tsgi app.ts</code>.</p>
<h2>The request's environ</h2>
<table>
${table}
</table>
</body>
</html>
`;
}

/** The welcome app. Latin-1 request bytes (PATH_INFO, HTTP_*) are shown one character per byte, as environ carries them. */
export const welcomeApp: Application = (environ, startResponse) => {
  const runtime = environ["tsgi.runtime"];
  const html = (environ.HTTP_ACCEPT ?? "").includes("text/html");
  startResponse("200 OK", [
    ["Content-Type", html ? "text/html; charset=utf-8" : "text/plain; charset=utf-8"],
    ["Vary", "Accept"],
  ]);
  return [html ? htmlPage(environ, runtime) : textPage(environ, runtime)];
};
