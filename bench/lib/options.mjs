// Checks of the command-line values the bench scripts share (run.mjs, instructions.mjs): a count,
// a comma-separated list of known names, runtime options, and a --baseline checkout. Each throws
// an Error naming the flag. It must never read argv itself (each script declares its own options).
import { existsSync } from "node:fs";
import path from "node:path";

/** `values[name]` as an integer of at least `min`. */
export function countOption(values, name, min) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
}

/** `values[name]` split on commas, every item one of `allowed`. */
export function listOption(values, name, allowed) {
  const items = values[name].split(",").map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item)) throw new Error(`--${name}: unknown ${item} (${allowed.join(", ")})`);
  return items;
}

/** `values[name]` split on white space, each item an option ("--x" or "--x=y"). */
export function flagsOption(values, name) {
  const flags = values[name].split(/\s+/).filter(Boolean);
  for (const f of flags) if (!f.startsWith("--")) throw new Error(`--${name}: ${f} is not an option (each starts with --)`);
  return flags;
}

/** --baseline as an absolute path to a tsgi checkout, or undefined when not given. */
export function baselineOption(values) {
  if (values.baseline === undefined) return undefined;
  const baseline = path.resolve(values.baseline);
  if (!existsSync(path.join(baseline, "serve.ts"))) throw new Error(`--baseline ${baseline}: no serve.ts there (not a tsgi checkout)`);
  return baseline;
}
