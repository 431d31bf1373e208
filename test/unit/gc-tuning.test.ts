// Unit tests of the Node command line's V8 tuning (runtimes/node/gc-tuning.ts): allocation-site
// pretenuring is turned off unless node's own command line says something about it.
import { expect, test } from "vitest";
import { tuneGc } from "../../runtimes/node/gc-tuning.ts";

function run(execArgv: string[]): { set: string[]; returned: string[] } {
  const set: string[] = [];
  const returned = tuneGc(execArgv, (flags) => set.push(flags));
  return { set, returned };
}

test("pretenuring is turned off when node's command line says nothing about it", () => {
  expect(run([])).toEqual({ set: ["--no-allocation-site-pretenuring"], returned: ["--no-allocation-site-pretenuring"] });
  expect(run(["--enable-source-maps", "--max-old-space-size=512"]).set).toEqual(["--no-allocation-site-pretenuring"]);
});

test("the user's own choice on node's command line is left alone, either way and spelled either way", () => {
  for (const given of ["--allocation-site-pretenuring", "--no-allocation-site-pretenuring", "--allocation_site_pretenuring", "--no-allocation_site_pretenuring"]) {
    expect(run(["--single-threaded-gc", given])).toEqual({ set: [], returned: [] });
  }
});
