// Keeps the differential fuzzer from rotting: `bun test/fuzz/long.ts --differential` on a few
// hundred inputs for each runtime starts tsgi and the runtime's own server, runs every input
// against both over real sockets, and prints its report (the per-runtime line, each class with an
// example, the summary line) and exits 0. It asserts that the run completes and reports, never
// that there are no disagreements (docs/parsing-differences.md triages those).
import { describe, expect, test } from "vitest";
import { BUN, Proc } from "../helpers/server.ts";

const COUNT = 300;

describe.each(["node", "bun", "deno"] as const)("differential fuzzing (%s)", (runtime) => {
  test(`${COUNT} inputs against the runtime's own server complete and are reported`, async () => {
    const p = new Proc(BUN, ["test/fuzz/long.ts", "--differential", "--count", String(COUNT), "--seed", "13", "--only", runtime, "--parallel", "16", "--no-shrink"]);
    const exit = await p.waitExit(220_000).finally(() => p.kill());
    const out = p.stdout.text;
    expect(exit.code, `stdout:\n${out}\nstderr:\n${p.stderr.text}`).toBe(0);
    const line = new RegExp(`^differential: ${runtime}: ${COUNT} inputs in [0-9.]+ s \\(\\d+/s\\), (\\d+) disagreements in (\\d+) classes`, "m").exec(out);
    expect(line, out).not.toBeNull();
    const classes = Number(line![2]);
    // Every class is listed with its count and an example with both sides' answers.
    expect(out.match(new RegExp(`^  \\[${runtime}\\] .+: \\d+ \\(first at input \\d+\\)$`, "gm"))?.length ?? 0).toBe(classes);
    expect(out.match(/^ {4}tsgi: {3}.+$/gm)?.length ?? 0).toBe(classes);
    expect(out).toMatch(new RegExp(`^differential: ${COUNT} inputs per runtime, ${line![1]} disagreements in ${classes} classes \\(seed 13\\)$`, "m"));
  }, 240_000);
});

describe("the fuzz command's usage", () => {
  test.each([
    [["--help"], 0, /^usage: npm run fuzz -- \[--count N\]/m],
    [["--differential", "--help"], 0, /^usage: npm run fuzz -- --differential \[--count N\]/m],
    [["--bogus"], 2, /^fuzz: unknown argument --bogus$/m],
    [["--differential", "--bogus"], 2, /^fuzz: unknown argument --bogus$/m],
  ] as const)("%j exits %i with one line and the usage", async (args, code, text) => {
    const p = new Proc(BUN, ["test/fuzz/long.ts", ...args]);
    const exit = await p.waitExit(30_000).finally(() => p.kill());
    expect(exit.code).toBe(code);
    expect(code === 0 ? p.stdout.text : p.stderr.text).toMatch(text);
  });
});
