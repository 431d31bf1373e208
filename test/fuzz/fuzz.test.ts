// The short fixed-seed fuzz run inside `npm test` (3,000 inputs, a few seconds), plus self-tests of
// the fuzzer's own pieces (PRNG, output parser, request framer) so that its verdicts can be trusted.
// It must never use a time-based seed or lower the count to hide a failure.
import { describe, expect, test } from "vitest";
import { type Failure, Rng, check, checkWith, frameRequests, nextCase, parseOutput, show, shrink, toBytes, watchUnhandledRejections } from "./engine.ts";

const SEED = 20_241_120;
const COUNT = 3_000;

describe("fuzzer self-tests", () => {
  test("the PRNG is deterministic per seed", () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const sa = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(sa);
    const x = nextCase(new Rng(99));
    const y = nextCase(new Rng(99));
    expect(Array.from(y.input)).toEqual(Array.from(x.input));
    expect(y.cuts).toEqual(x.cuts);
  });

  const OK = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Method: GET\r\nContent-Length: 2\r\nDate: X\r\nServer: tsgi\r\n\r\nhi";
  const ERR = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 29\r\nConnection: close\r\nDate: X\r\nServer: tsgi\r\n\r\n400 Bad Request: bad request\n";

  test("the output parser accepts well-formed responses", () => {
    expect(parseOutput(OK + OK + ERR, "sync")).toEqual({ finals: [{ status: 200, close: false }, { status: 200, close: false }, { status: 400, close: true }], continues: 0 });
    expect(parseOutput(OK.replace("X-Method: GET", "X-Method: HEAD").replace(/hi$/, ""), "sync")).toMatchObject({ finals: [{ status: 200 }] });
    expect(parseOutput("HTTP/1.1 100 Continue\r\n\r\n" + OK, "reading")).toMatchObject({ continues: 1 });
  });

  test.each([
    ["a 500", ERR.replace(/400 Bad Request/g, "500 Internal Server Error").replace("29", "49")],
    ["bytes after an error response", ERR + OK],
    ["a truncated body", OK.slice(0, -1)],
    ["an error response with fields out of order", ERR.replace("Connection: close\r\nDate: X", "Date: X\r\nConnection: close")],
    ["a wrong reason phrase", ERR.replace("400 Bad Request\r\n", "400 Bad\r\n")],
    ["an error body without the newline", ERR.replace("request\n", "request!").replace("29", "29")],
    ["garbage", "HTTP/1.1 200 OK\r\nbroken\r\n\r\n"],
    ["100 Continue from an app that never reads", "HTTP/1.1 100 Continue\r\n\r\n" + OK],
  ])("the output parser rejects %s", (_name, out) => {
    expect(typeof parseOutput(out, "sync")).toBe("string");
  });

  test("the request framer counts complete heads and complete requests", () => {
    const get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    const post = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc";
    const chunked = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;x\r\na\r\n0\r\nT: 1\r\n\r\n";
    expect(frameRequests(get + post + chunked + "GET /")).toEqual({ heads: 3, complete: 3, closeAfter: -1 });
    expect(frameRequests(get + post.slice(0, -1))).toEqual({ heads: 2, complete: 1, closeAfter: -1 });
    expect(frameRequests(chunked.slice(0, -2))).toEqual({ heads: 1, complete: 0, closeAfter: -1 });
    expect(frameRequests("\r\n" + get.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n") + get)).toEqual({ heads: 1, complete: 1, closeAfter: 1 });
    expect(frameRequests("GET / HTTP/1.0\r\n\r\n")).toEqual({ heads: 1, complete: 1, closeAfter: 1 });
  });

  test("a plain valid request passes every check at every split, with either app", async () => {
    watchUnhandledRejections();
    const input = toBytes("POST /a?b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\nHost: h\r\n\r\n");
    for (let cut = 0; cut < input.length; cut++) {
      for (const fin of [false, true]) {
        const c = { input, cuts: cut === 0 ? [] : [cut], profile: 0, fin };
        expect(await checkWith("sync", c)).toBe(null);
        expect(await checkWith("reading", c)).toBe(null);
      }
    }
  });
});

describe("fuzz", () => {
  test(`${COUNT} inputs from seed ${SEED}: every property holds`, async () => {
    watchUnhandledRejections();
    const rng = new Rng(SEED);
    const firstOfKind = new Map<string, { f: Failure; index: number; count: number }>();
    for (let i = 0; i < COUNT; i++) {
      for (const f of await check(nextCase(rng))) {
        const key = `${f.app} app: ${f.kind}`;
        const known = firstOfKind.get(key);
        if (known !== undefined) known.count++;
        else firstOfKind.set(key, { f, index: i, count: 1 });
      }
    }
    const reports: string[] = [];
    for (const [key, { f, index, count }] of firstOfKind) {
      const small = await shrink(f, 600);
      reports.push(`${key}: ${count} failures, first at input ${index}\n${show(small)}`);
    }
    expect(reports, reports.join("\n\n")).toEqual([]);
  }, 120_000);
});
