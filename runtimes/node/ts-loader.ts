// Node module hooks (registered with node:module register() by platform.ts): a .ts/.mts/.tsx file
// is compiled to an ES module, so `node dist/serve.js app.ts` works. platform.ts says how in the
// hooks' data: with esbuild's transform when esbuild is installed (the repository: it is a dev
// dependency), else with Node's own stripTypeScriptTypes (Node 22.13 and later). The output carries
// an inline source map (used when source maps are enabled, which platform.ts does).
// Must never touch any other file type, type-check, or bundle: one file in, the same file out.

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { LoadHook, ResolveHook } from "node:module";

/** How the hooks compile TypeScript, chosen by platform.ts. */
export type TsCompiler = "esbuild" | "node";

/** What platform.ts passes to register(): the compiler to use. */
export interface TsLoaderData {
  compiler: TsCompiler;
}

/** Node's own TypeScript transform (Node 22.13 and later); @types/node 20 does not declare it. */
type StripTypes = (code: string, options: { mode: "transform"; sourceMap: boolean; sourceUrl: string }) => string;

const TS_URL = /^file:.*\.(?:ts|mts|tsx)$/;

let compiler: TsCompiler = "esbuild";

/** Called once by register() with platform.ts's data. */
export function initialize(data: TsLoaderData | undefined): void {
  if (data !== undefined) compiler = data.compiler;
}

/** TypeScript projects import "./util.js" meaning ./util.ts: try the .ts file when the .js one is missing. */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const parent = context.parentURL;
    const relative = specifier.startsWith("./") || specifier.startsWith("../");
    if (relative && parent !== undefined && TS_URL.test(parent) && /\.m?js$/.test(specifier)) {
      try {
        return await nextResolve(specifier.replace(/js$/, "ts"), context);
      } catch {}
    }
    throw err;
  }
};

/** esbuild's failure as one SyntaxError naming the place: `app.ts:1:11: Unexpected ";"` (columns from 1, as Node's). */
function syntaxError(err: unknown): unknown {
  const first = (err as { errors?: { text?: unknown; location?: { file?: unknown; line?: unknown; column?: unknown } | null }[] } | null)?.errors?.[0];
  if (typeof first?.text !== "string") return err;
  const at = first.location;
  return new SyntaxError(at && typeof at.column === "number" ? `${String(at.file)}:${String(at.line)}:${at.column + 1}: ${first.text}` : first.text);
}

async function withEsbuild(source: string, path: string, tsx: boolean): Promise<string> {
  const { transform } = await import("esbuild");
  try {
    const result = await transform(source, { loader: tsx ? "tsx" : "ts", format: "esm", target: "node20", sourcefile: path, sourcemap: "inline" });
    return result.code;
  } catch (err) {
    throw syntaxError(err);
  }
}

async function withNode(source: string, url: string): Promise<string> {
  const strip = ((await import("node:module")) as unknown as { stripTypeScriptTypes: StripTypes }).stripTypeScriptTypes;
  return strip(source, { mode: "transform", sourceMap: true, sourceUrl: url });
}

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!TS_URL.test(url)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, "utf8");
  const code = compiler === "esbuild" ? await withEsbuild(source, path, url.endsWith(".tsx")) : await withNode(source, url);
  return { format: "module", source: code, shortCircuit: true };
};
