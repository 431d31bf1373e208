// The unix socket path limit of runtimes/bind.ts: sun_path's size per OS, counted in bytes of the
// path as the runtime hands it to the kernel (UTF-8), with one byte kept for the NUL. Pure code:
// no socket is opened here (test/integration/cli.test.ts checks the refusal on each runtime).
import { describe, expect, test } from "vitest";
import { unixPathProblem } from "../../runtimes/bind.ts";

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
