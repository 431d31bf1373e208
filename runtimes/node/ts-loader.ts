// Node module hooks (registered with node:module register() by platform.ts): a .ts/.mts/.tsx file
// is compiled to an ES module with esbuild's transform, so `node dist/serve.js app.ts` works.
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

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!TS_URL.test(url)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, "utf8");
  const result = await transform(source, {
    loader: url.endsWith(".tsx") ? "tsx" : "ts",
    format: "esm",
    target: "node20",
    sourcefile: path,
    sourcemap: "inline",
  });
  return { format: "module", source: result.code, shortCircuit: true };
};
