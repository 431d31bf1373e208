// Node module hooks (registered with node:module register() by platform.ts): a .ts/.mts/.tsx file
// is compiled to an ES module with esbuild's transform, so `node dist/serve.js app.ts` works.
// The output carries an inline source map (used when source maps are enabled, which platform.ts does).
// Must never touch any other file type, type-check, or bundle: one file in, the same file out.

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { LoadHook, ResolveHook } from "node:module";
import { transform } from "esbuild";

const TS_URL = /^file:.*\.(?:ts|mts|tsx)$/;

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

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!TS_URL.test(url)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, "utf8");
  let code: string;
  try {
    const result = await transform(source, {
      loader: url.endsWith(".tsx") ? "tsx" : "ts",
      format: "esm",
      target: "node20",
      sourcefile: path,
      sourcemap: "inline",
    });
    code = result.code;
  } catch (err) {
    throw syntaxError(err);
  }
  return { format: "module", source: code, shortCircuit: true };
};
