// Unit tests of wsgi.input through a ServerCore with a fake transport: read(size), read(),
// readline(size), readlines(hint), async iteration, the empty read at the end, bodies arriving in
// pieces, and chunked bodies. It must never wait on time: the app's reads resolve as bytes are fed.
import { afterEach, describe, expect, test } from "vitest";
import type { Application, InputStream } from "../../src/wsgi/types.ts";
import { type Client, connect, latin1, normaliseDate, settle } from "./fake.ts";

const clients: Client[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.handle.closed();
});

/** Runs `reader` on the request body and answers with what it returned (JSON). */
async function readWith(reader: (input: InputStream) => Promise<unknown>, request: string | string[]): Promise<unknown> {
  let result: unknown = undefined;
  const app: Application = async (env, sr) => {
    result = await reader(env["wsgi.input"]);
    sr("200 OK", []);
    return ["done"];
  };
  const c = connect(app);
  clients.push(c);
  for (const piece of Array.isArray(request) ? request : [request]) {
    c.send(piece);
    await settle();
  }
  await c.transport.untilResponses(1);
  return result;
}

const post = (body: string): string => `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const chunkedPost = (chunks: string[]): string =>
  `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join("")}0\r\n\r\n`;
const str = (b: Uint8Array): string => latin1(b);

describe("wsgi.input", () => {
  test("read() returns the whole body, then an empty array", async () => {
    const r = await readWith(async (i) => [str(await i.read()), (await i.read()).length, (await i.read(10)).length], post("hello world"));
    expect(r).toEqual(["hello world", 0, 0]);
  });

  test("read(size) returns at most size bytes, waiting for them", async () => {
    const body = "abcdefghij";
    const head = `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n`;
    const r = await readWith(async (i) => [str(await i.read(3)), str(await i.read(4)), str(await i.read(100)), str(await i.read(1))], [head, "ab", "cdef", "g", "hij"]);
    expect(r).toEqual(["abc", "defg", "hij", ""]);
  });

  test("read(0) returns empty without waiting; a negative size reads everything", async () => {
    const r = await readWith(async (i) => [(await i.read(0)).length, str(await i.read(-1))], post("xyz"));
    expect(r).toEqual([0, "xyz"]);
  });

  test("readline() returns lines including \\n, the last one without, then empty", async () => {
    const r = await readWith(async (i) => [str(await i.readline()), str(await i.readline()), str(await i.readline()), str(await i.readline())], post("one\ntwo\nthree"));
    expect(r).toEqual(["one\n", "two\n", "three", ""]);
  });

  test("readline(size) stops at size bytes", async () => {
    const r = await readWith(async (i) => [str(await i.readline(2)), str(await i.readline(10)), str(await i.readline(0))], post("abcd\nef"));
    expect(r).toEqual(["ab", "cd\n", ""]);
  });

  test("readline() waits for a line split across reads and chunks", async () => {
    const head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    const r = await readWith(async (i) => [str(await i.readline()), str(await i.readline())], [head, "3\r\nab", "c\r\n", "4\r\nd\ne\n\r\n", "0\r\n\r\n"]);
    expect(r).toEqual(["abcd\n", "e\n"]);
  });

  test("readlines() and readlines(hint)", async () => {
    expect(await readWith(async (i) => (await i.readlines()).map(str), post("a\nb\nc"))).toEqual(["a\n", "b\n", "c"]);
    expect(await readWith(async (i) => (await i.readlines(3)).map(str), post("a\nb\nc\nd\n"))).toEqual(["a\n", "b\n"]);
  });

  test("async iteration yields lines", async () => {
    const r = await readWith(async (i) => {
      const lines: string[] = [];
      for await (const line of i) lines.push(str(line));
      return lines;
    }, chunkedPost(["x\ny", "\n", "z"]));
    expect(r).toEqual(["x\n", "y\n", "z"]);
  });

  test("a chunked body is delivered without its framing; binary bytes are kept", async () => {
    const r = await readWith(async (i) => Array.from(await i.read()), chunkedPost(["\x00\xff\r\n", "\x80"]));
    expect(r).toEqual([0, 255, 13, 10, 128]);
  });

  test("a request without a body reads as empty at once", async () => {
    const r = await readWith(async (i) => [(await i.read()).length, (await i.readline()).length, await i.readlines()], "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(r).toEqual([0, 0, []]);
  });

  test("a body read in many small reads equals the body", async () => {
    const body = Array.from({ length: 3000 }, (_, k) => String.fromCharCode(k % 256)).join("");
    const r = await readWith(async (i) => {
      let all = "";
      for (;;) {
        const b = await i.read(7);
        if (b.length === 0) return all;
        all += str(b);
      }
    }, post(body));
    expect(r).toBe(body);
  });

  test("the response waits for the app's reads: no output while the body is incomplete", async () => {
    const app: Application = async (env, sr) => {
      const b = await env["wsgi.input"].read();
      sr("200 OK", []);
      return [b];
    };
    const c = connect(app);
    clients.push(c);
    c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabc");
    await settle();
    expect(c.transport.text).toBe("");
    c.send("def");
    await c.transport.untilResponses(1);
    expect(normaliseDate(c.transport.text)).toBe("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nDate: X\r\nServer: tsgi\r\n\r\nabcdef");
  });
});
