// The JSR package (deno.json at the top level): `deno publish --dry-run` must pass, as it would
// before a real publish: the name, version and exports are valid, every exported module and what
// it imports resolves, the public API has explicit types, and only the files deno.json includes go
// in. deno.json's exports must match package.json's. The one kind of warning allowed is the
// dynamic import of the app's file, whose path only the command line knows. It must never
// publish or use the network.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { DENO, ROOT } from "../helpers/server.ts";

const denoJson = JSON.parse(readFileSync(path.join(ROOT, "deno.json"), "utf8")) as { name: string; version: string; exports: Record<string, string> };
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string; exports: Record<string, unknown> };

describe("deno.json (JSR)", () => {
  test("names @tsgi/tsgi at package.json's version, with the same export paths", () => {
    expect(denoJson.name).toBe("@tsgi/tsgi");
    expect(denoJson.version).toBe(pkg.version);
    expect(Object.keys(denoJson.exports).sort()).toEqual(Object.keys(pkg.exports).filter((k) => k !== "./package.json").sort());
  });

  test("deno publish --dry-run passes", () => {
    const run = spawnSync(DENO, ["publish", "--dry-run", "--allow-dirty"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" } });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).toMatch(/Dry run complete/);
    expect(output).not.toMatch(/^error/m);
    // The only warnings allowed: the command line imports the app by a path known at run time.
    const warnings = [...output.matchAll(/^warning\[([\w-]+)\]/gm)].map((m) => m[1]);
    expect(warnings.filter((w) => w !== "unanalyzable-dynamic-import")).toEqual([]);
  }, 120_000);
});
