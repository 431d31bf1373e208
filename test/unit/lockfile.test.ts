// package-lock.json against package.json and against what npm 10 and npm 11 write, read as files
// (nothing is installed here; .ci/run proves the install itself). `npm ci` refuses a lockfile that
// lacks a dependency of a locked package, the optional platform packages of other systems included
// (npm 11 failed on the missing @deno/* packages); npm rewrites the root entry from package.json;
// and npm 10 drops every "libc" field that npm 11 writes, so a lockfile with one is rewritten by
// `npm install` under npm 10. Without "libc", npm 11 installs the glibc and the musl builds of a
// package on Linux alike (bun, rolldown, lightningcss): the price of one lockfile for both.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

type Entry = {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  libc?: string[];
  [field: string]: unknown;
};

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as Entry;
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { lockfileVersion: number; packages: Record<string, Entry> };
const packages = lock.packages;

/** Where Node (and npm) find `name` required from the package at `from`: its node_modules, then each ancestor's. */
function resolveIn(from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const at = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (packages[at] !== undefined) return at;
    if (dir === "") return undefined;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up < 0 ? "" : dir.slice(0, up);
  }
}

describe("package-lock.json", () => {
  test("is lockfile version 3 with a root entry", () => {
    expect(lock.lockfileVersion).toBe(3);
    expect(packages[""]).toBeDefined();
  });

  test("the root entry says what package.json says (npm rewrites it otherwise)", () => {
    const root = packages[""];
    for (const field of ["name", "version", "license", "bin", "engines", "dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]) {
      expect(root[field], field).toEqual(pkg[field]);
    }
  });

  test("every dependency of every locked package is locked, optional platform packages of every system included", () => {
    const missing: string[] = [];
    for (const [at, entry] of Object.entries(packages)) {
      const wanted = { ...entry.dependencies, ...entry.optionalDependencies, ...(at === "" ? entry.devDependencies : {}) };
      for (const name of Object.keys(wanted)) {
        if (resolveIn(at, name) === undefined) missing.push(`${name} (for ${at === "" ? "the root" : at})`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('no entry has "libc", which npm 10 drops on every install', () => {
    expect(Object.keys(packages).filter((at) => packages[at].libc !== undefined)).toEqual([]);
  });
});
