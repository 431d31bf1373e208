// The unix socket path limit: sun_path's size per OS (runtimes/bind.ts), counted in bytes of the
// path as the runtime hands it to the kernel (UTF-8), with one byte kept for the NUL; and the check
// put in front of a driver's listen (runtimes/listener.ts), here with a fake listen. No socket is
// opened here (test/integration/cli.test.ts checks the refusal on each runtime).
import { platform } from "node:os";
import { describe, expect, test } from "vitest";
import { type Bind, unixPathProblem } from "../../runtimes/bind.ts";
import type { Listener } from "../../runtimes/driver.ts";
import { checkingPathLength } from "../../runtimes/listener.ts";
import type { ServerCore } from "../../src/server/server.ts";

const pathOf = (bytes: number) => "/" + "s".repeat(bytes - 1);

describe("unixPathProblem", () => {
  test.each([
    ["linux", 107],
    ["darwin", 103],
    ["freebsd", 103],
    ["openbsd", 103],
    ["win32", 107],
  ])("%s: %d bytes fit, one more is refused with both numbers named", (os, max) => {
    expect(pathOf(max)).toHaveLength(max);
    expect(unixPathProblem(pathOf(max), os)).toBeNull();
    expect(unixPathProblem(pathOf(max + 1), os)).toBe(
      `the path is ${max + 1} bytes, longer than the ${max} a unix socket path can have on ${os} (sun_path holds ${max + 1} with the NUL)`,
    );
  });

  test("bytes are counted, not characters: 55 characters, 53 of them two bytes long, are 108 bytes", () => {
    const path = "/" + "é".repeat(53) + "x"; // 1 + 106 + 1 = 108 bytes in 55 characters
    expect(path.length).toBe(55);
    expect(unixPathProblem(path, "linux")).toMatch(/^the path is 108 bytes, longer than the 107 /);
    expect(unixPathProblem(path.slice(0, -1), "linux")).toBeNull();
  });

  test("an OS not in the table is left to the runtime", () => {
    expect(unixPathProblem(pathOf(5000), "plan9")).toBeNull();
  });
});

const HERE = unixPathProblem(pathOf(5000), platform());
if (HERE === null) console.log(`checkingPathLength: skipped, no sun_path size is known for ${platform()}`);

describe.skipIf(HERE === null)("checkingPathLength", () => {
  const MAX = Number(/than the (\d+) /.exec(HERE ?? "")?.[1]);
  const core = {} as ServerCore;

  /** A listen that records what it was asked for. */
  function fake(): { asked: Bind[]; listen: (core: ServerCore, bind: Bind) => Promise<Listener> } {
    const asked: Bind[] = [];
    return { asked, listen: async (_core, bind) => (asked.push(bind), { url: "fake", urls: ["fake"], close: async () => {} }) };
  }

  test("a path too long is refused with one line naming it, and listen is never called", async () => {
    const f = fake();
    const path = pathOf(MAX + 1);
    await expect(checkingPathLength(f.listen)(core, { kind: "unix", path })).rejects.toThrow(
      new RegExp(`^cannot listen on unix:${path}: the path is ${MAX + 1} bytes, longer than the ${MAX} `),
    );
    expect(f.asked).toEqual([]);
  });

  test("a path that fits, and any TCP address, go to listen as they are", async () => {
    const f = fake();
    const binds: Bind[] = [{ kind: "unix", path: pathOf(MAX) }, { kind: "tcp", host: "127.0.0.1", port: 0 }];
    for (const bind of binds) await checkingPathLength(f.listen)(core, bind);
    expect(f.asked).toEqual(binds);
  });

  test("a relative path is measured as given, or resolved against the working directory for a runtime that binds it so", async () => {
    const f = fake();
    const relative: Bind = { kind: "unix", path: "s".repeat(MAX - 20) };
    await checkingPathLength(f.listen)(core, relative);
    expect(f.asked).toEqual([relative]);
    const deep = { cwd: () => pathOf(40) };
    await expect(checkingPathLength(f.listen, deep)(core, relative)).rejects.toThrow(
      `: the path resolved against the working directory (${deep.cwd()}/${relative.path}) is ${40 + 1 + MAX - 20} bytes, longer than the ${MAX} `,
    );
    expect(f.asked).toEqual([relative]);
  });
});
