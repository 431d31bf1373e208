// Unit tests of fromNodeHandler's IncomingMessage/ServerResponse emulation on a ServerCore with a fake
// transport: the forms of writeHead, header names and casing, Set-Cookie arrays, appendHeader,
// headersSent, errors (write after end, setHeader after the headers, bad names and values), framing
// as node:http chooses it (end() alone: Content-Length; write(): chunked), write() backpressure with
// 'drain', flushHeaders, req's fields and headers, the body streamed in pieces, a handler that throws,
// a prototype swapped as Express does, and a client leaving.
// It must never wait on time: every wait is for a transport event or settle().
import { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, test } from "vitest";
import { fromNodeHandler } from "../../adapters/node.ts";
import { type Client, connect, normaliseDate, settle } from "./fake.ts";

const GET = "GET /path?q=1 HTTP/1.1\r\nHost: a\r\n\r\n";
const clients: Client[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.handle.closed();
});

type Req = IncomingMessage;
type Res = ServerResponse;
type Handler = (req: Req, res: Res) => unknown;

async function serve(handler: Handler, request = GET, heads: number[] = []): Promise<Client> {
  const client = connect(fromNodeHandler(handler), { serverHeader: "" });
  clients.push(client);
  client.send(request);
  await client.transport.untilClosedOr(1, heads);
  await settle();
  return client;
}

const out = (c: Client): string => normaliseDate(c.transport.text);
const response = (status: string, fields: string[], body = ""): string => `HTTP/1.1 ${status}\r\n${fields.map((f) => f + "\r\n").join("")}\r\n${body}`;

describe("writeHead", () => {
  test("status only, then end(body): chunked (the headers were fixed before the length was known), as node:http", async () => {
    const c = await serve((_req, res) => {
      res.writeHead(201);
      res.end("hi");
    });
    expect(out(c)).toBe(response("201 Created", ["Transfer-Encoding: chunked", "Date: X"], "2\r\nhi\r\n0\r\n\r\n"));
  });

  test("status, reason and an object of headers (a number value, an array value)", async () => {
    const c = await serve((_req, res) => {
      res.writeHead(200, "Fine", { "Content-Type": "text/plain", "Content-Length": 2, "X-Multi": ["a", "b"] });
      res.end("ok");
    });
    expect(out(c)).toBe(response("200 Fine", ["Content-Type: text/plain", "Content-Length: 2", "X-Multi: a", "X-Multi: b", "Date: X"], "ok"));
  });

  test("status and a flat [name, value, ...] array: replaces setHeader's value, keeps its own duplicates", async () => {
    const c = await serve((_req, res) => {
      res.setHeader("X-A", "old");
      res.setHeader("X-Keep", "kept");
      res.writeHead(200, ["X-A", "1", "X-A", "2", "Content-Length", "0"]);
      res.end();
    });
    expect(out(c)).toBe(response("200 OK", ["X-Keep: kept", "X-A: 1", "X-A: 2", "Content-Length: 0", "Date: X"]));
  });

  test("status and an array of pairs", async () => {
    const c = await serve((_req, res) => {
      res.writeHead(404, [["Content-Type", "text/plain"], ["Content-Length", "4"]] as unknown as string[]);
      res.end("nope");
    });
    expect(out(c)).toBe(response("404 Not Found", ["Content-Type: text/plain", "Content-Length: 4", "Date: X"], "nope"));
  });

  test("an odd flat array, a status out of range, and a second writeHead throw node:http's errors", async () => {
    const seen: string[] = [];
    await serve((_req, res) => {
      for (const f of [() => res.writeHead(200, ["X-A"]), () => res.writeHead(99), () => res.writeHead(1000)]) {
        try {
          f();
        } catch (e) {
          seen.push((e as { code: string }).code);
        }
      }
      res.writeHead(200, { "Content-Length": "0" });
      try {
        res.writeHead(200);
      } catch (e) {
        seen.push((e as { code: string }).code);
      }
      res.end();
    });
    expect(seen).toEqual(["ERR_INVALID_ARG_VALUE", "ERR_HTTP_INVALID_STATUS_CODE", "ERR_HTTP_INVALID_STATUS_CODE", "ERR_HTTP_HEADERS_SENT"]);
  });

  test("headersSent is true right after writeHead; setHeader then throws ERR_HTTP_HEADERS_SENT", async () => {
    const seen: unknown[] = [];
    await serve((_req, res) => {
      seen.push(res.headersSent);
      res.writeHead(200, { "Content-Length": "0" });
      seen.push(res.headersSent);
      try {
        res.setHeader("X-Late", "1");
      } catch (e) {
        seen.push((e as { code: string }).code);
      }
      res.end();
    });
    expect(seen).toEqual([false, true, "ERR_HTTP_HEADERS_SENT"]);
  });
});

describe("headers", () => {
  test("names keep their case on the wire; get/has/remove ignore case; getHeaders is lower-case", async () => {
    const seen: unknown[] = [];
    const c = await serve((_req, res) => {
      res.setHeader("X-MiXeD", "1");
      res.setHeader("x-gone", "1");
      seen.push(res.getHeader("x-mixed"), res.hasHeader("X-GONE"), res.getHeaderNames());
      res.removeHeader("X-Gone");
      seen.push({ ...res.getHeaders() }, res.hasHeader("x-gone"));
      res.end();
    });
    expect(seen).toEqual(["1", true, ["x-mixed", "x-gone"], { "x-mixed": "1" }, false]);
    expect(out(c)).toBe(response("200 OK", ["X-MiXeD: 1", "Content-Length: 0", "Date: X"]));
  });

  test("Set-Cookie as an array: one field per cookie; appendHeader adds to it", async () => {
    const seen: unknown[] = [];
    const c = await serve((_req, res) => {
      res.setHeader("Set-Cookie", ["a=1", "b=2"]);
      res.appendHeader("set-cookie", "c=3");
      seen.push(res.getHeader("set-cookie"));
      res.end();
    });
    expect(seen).toEqual([["a=1", "b=2", "c=3"]]);
    expect(out(c)).toBe(response("200 OK", ["Set-Cookie: a=1", "Set-Cookie: b=2", "Set-Cookie: c=3", "Content-Length: 0", "Date: X"]));
  });

  test("appendHeader on a single value makes it a list", async () => {
    const c = await serve((_req, res) => {
      res.setHeader("Vary", "Accept");
      res.appendHeader("Vary", ["Origin"]);
      res.end();
    });
    expect(out(c)).toBe(response("200 OK", ["Vary: Accept", "Vary: Origin", "Content-Length: 0", "Date: X"]));
  });

  test("bad names and values throw node:http's TypeErrors at setHeader", async () => {
    const codes: string[] = [];
    await serve((_req, res) => {
      for (const f of [() => res.setHeader("Bad Name", "x"), () => res.setHeader("X-A", "a\r\nb"), () => res.setHeader("X-A", undefined as unknown as string)]) {
        try {
          f();
        } catch (e) {
          codes.push(`${(e as Error).name} ${(e as unknown as { code: string }).code}`);
        }
      }
      res.end();
    });
    expect(codes).toEqual(["TypeError ERR_INVALID_HTTP_TOKEN", "TypeError ERR_INVALID_CHAR", "TypeError ERR_HTTP_INVALID_HEADER_VALUE"]);
  });

  test("hop-by-hop headers a handler sets are dropped: the server frames and manages the connection", async () => {
    const c = await serve((_req, res) => {
      res.setHeader("Connection", "keep-alive");
      res.setHeader("Transfer-Encoding", "chunked");
      res.setHeader("Keep-Alive", "timeout=5");
      res.end("x");
    });
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 1", "Date: X"], "x"));
  });
});

describe("body and framing", () => {
  test("end(body) alone: Content-Length, as node:http", async () => {
    const c = await serve((_req, res) => res.end("hello"));
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 5", "Date: X"], "hello"));
  });

  test("write() then end(): chunked; a string with an encoding", async () => {
    const c = await serve((_req, res) => {
      res.write("6869", "hex");
      res.end(" there");
    });
    expect(out(c)).toBe(response("200 OK", ["Transfer-Encoding: chunked", "Date: X"], "2\r\nhi\r\n6\r\n there\r\n0\r\n\r\n"));
  });

  test("an answer that comes later (async handler) streams the same way", async () => {
    const c = await serve(async (_req, res) => {
      await settle();
      res.setHeader("Content-Type", "text/plain");
      res.end("later");
    });
    expect(out(c)).toBe(response("200 OK", ["Content-Type: text/plain", "Content-Length: 5", "Date: X"], "later"));
  });

  test("write after end: false, ERR_STREAM_WRITE_AFTER_END to the callback and to 'error' listeners", async () => {
    const seen: unknown[] = [];
    await serve((_req, res) => {
      res.on("error", (e) => seen.push(`error ${(e as unknown as { code: string }).code}`));
      res.end("x");
      seen.push(res.write("y", (e) => seen.push(`callback ${(e as unknown as { code: string }).code}`)));
      seen.push(res.writableEnded);
    });
    expect(seen).toEqual([false, true, "callback ERR_STREAM_WRITE_AFTER_END", "error ERR_STREAM_WRITE_AFTER_END"]);
  });

  test("end() twice: the second does nothing; 'finish' then 'close' once", async () => {
    const events: string[] = [];
    const c = await serve((_req, res) => {
      res.on("finish", () => events.push("finish"));
      res.on("close", () => events.push("close"));
      res.end("a");
      res.end("b");
    });
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 1", "Date: X"], "a"));
    expect(events).toEqual(["finish", "close"]);
  });

  test("backpressure: write() returns false once the queue is full, 'drain' when the server took it", async () => {
    const client = connect(
      fromNodeHandler((_req: Req, res: Res) => {
        const results: boolean[] = [];
        res.writeHead(200, { "Content-Type": "application/octet-stream" });
        const piece = new Uint8Array(8 * 1024);
        for (let i = 0; i < 4; i++) results.push(res.write(piece));
        state.results = results;
        res.once("drain", () => {
          state.drained = true;
          res.end();
        });
      }),
    );
    const state: { results: boolean[]; drained: boolean } = { results: [], drained: false };
    clients.push(client);
    client.transport.writeResult = false; // the socket is full: the server stops pulling
    client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    await settle();
    // The handler writes before the server asks: the chunks queue, and 16 KiB is reached at the second.
    expect(state.results).toEqual([true, false, false, false]);
    expect(state.drained).toBe(false);
    client.transport.writeResult = true;
    client.handle.writable();
    await client.transport.untilClosedOr(1);
    await settle();
    expect(state.drained).toBe(true);
    expect(client.transport.text).toMatch(/\r\n0\r\n\r\n$/);
  });

  test("flushHeaders sends the head before any body", async () => {
    const client = connect(
      fromNodeHandler((_req: Req, res: Res) => {
        res.setHeader("Content-Type", "text/event-stream");
        res.flushHeaders();
        flushed.res = res;
      }),
      { serverHeader: "" },
    );
    const flushed: { res?: Res } = {};
    clients.push(client);
    client.send(GET);
    await client.transport.until(() => client.transport.text.includes("\r\n\r\n"), "the head");
    expect(normaliseDate(client.transport.text)).toBe("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nDate: X\r\n\r\n");
    flushed.res!.end("data: 1\n\n");
    await client.transport.untilClosedOr(1);
    expect(client.transport.text).toMatch(/data: 1\n\n\r\n0\r\n\r\n$/);
  });

  test("HEAD: writes are dropped, as node:http drops them, and do not hold the handler back", async () => {
    const seen: boolean[] = [];
    const c = await serve(
      (_req, res) => {
        res.writeHead(200, { "Content-Length": "100000" });
        for (let i = 0; i < 10; i++) seen.push(res.write(new Uint8Array(10000)));
        res.end();
      },
      "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n",
      [0],
    );
    expect(seen.every((x) => x)).toBe(true);
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 100000", "Date: X"]));
  });

  test("a handler that throws before answering: 500; after the headers: the response is cut", async () => {
    const before = await serve(() => {
      throw new Error("boom");
    });
    expect(before.transport.text).toMatch(/^HTTP\/1\.1 500 /);
    const after = await serve((_req, res) => {
      res.write("partial");
      throw new Error("boom");
    });
    expect(after.transport.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(after.transport.text).not.toMatch(/0\r\n\r\n$/);
    expect(after.transport.closed).toBe(true);
  });
});

describe("the request", () => {
  test("method, url (raw target), version, lower-case headers (set-cookie an array), rawHeaders, socket", async () => {
    const seen: unknown[] = [];
    await serve(
      (req, res) => {
        seen.push(req.method, req.url, req.httpVersion, req.headers, req.rawHeaders, req.socket.remoteAddress, req.socket.remotePort, (req.socket as { encrypted?: boolean }).encrypted, req.connection === req.socket, res.socket === req.socket);
        res.end();
      },
      "POST /a%20b?x=%C3%A9 HTTP/1.1\r\nHost: h\r\nX-Dup: 1\r\nX-Dup: 2\r\nSet-Cookie: s=1\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n",
    );
    expect(seen).toEqual(["POST", "/a%20b?x=%C3%A9", "1.1", { host: "h", "x-dup": "1, 2", "set-cookie": ["s=1"], "content-type": "text/plain", "content-length": "0" }, ["host", "h", "x-dup", "1, 2", "set-cookie", "s=1", "content-type", "text/plain", "content-length", "0"], "192.0.2.1", 40000, undefined, true, true]);
  });

  test("the body arrives in pieces through 'data' and ends; a GET has an empty body", async () => {
    const got: string[] = [];
    const c = await serve(
      (req, res) => {
        const parts: Buffer[] = [];
        req.on("data", (b: Buffer) => parts.push(b));
        req.on("end", () => {
          got.push(Buffer.concat(parts).toString(), String(req.complete));
          res.end("done");
        });
      },
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    );
    expect(got).toEqual(["abcde", "true"]);
    expect(out(c)).toMatch(/done$/);
    const empty: string[] = [];
    await serve((req, res) => {
      req.on("data", () => empty.push("data"));
      req.on("end", () => {
        empty.push("end");
        res.end();
      });
      req.resume();
    });
    expect(empty).toEqual(["end"]);
  });

  test("a prototype swapped as Express does keeps every method and field working", async () => {
    const c = await serve((req, res) => {
      Object.setPrototypeOf(req, Object.create(IncomingMessage.prototype));
      Object.setPrototypeOf(res, Object.create(ServerResponse.prototype));
      res.statusCode = 202;
      res.setHeader("Content-Type", "text/plain");
      let body = "";
      req.on("data", (b: Buffer) => (body += b.toString()));
      req.on("end", () => res.end(`${req.headers["x-a"]} ${body}`));
    }, "POST / HTTP/1.1\r\nHost: h\r\nX-A: yes\r\nContent-Length: 3\r\n\r\nabc");
    expect(out(c)).toBe(response("202 Accepted", ["Content-Type: text/plain", "Content-Length: 7", "Date: X"], "yes abc"));
  });

  test("a client leaving mid-response: 'aborted' and 'close' on req, 'close' on res; writes then fail", async () => {
    const events: string[] = [];
    const client = connect(
      fromNodeHandler((req: Req, res: Res) => {
        req.on("aborted", () => events.push("req aborted"));
        req.on("close", () => events.push("req close"));
        res.on("close", () => {
          events.push("res close");
          res.write("late", (e) => events.push(`write ${(e as { code: string } | undefined)?.code}`));
        });
        res.write("first");
      }),
    );
    clients.push(client);
    client.send(GET);
    await client.transport.until(() => client.transport.text.includes("first"), "the first chunk");
    client.handle.closed();
    await settle();
    await settle();
    expect(events.sort()).toEqual(["req aborted", "req close", "res close", "write ERR_STREAM_DESTROYED"]);
  });
});

describe("status refused by the server", () => {
  test("a status startResponse refuses leaves the headers unsent, so an error page can still go out", async () => {
    const seen: unknown[] = [];
    const c = await serve((_req, res) => {
      try {
        res.writeHead(600);
      } catch (e) {
        seen.push((e as Error).name, res.headersSent);
      }
      res.writeHead(500, { "Content-Length": "3" });
      res.end("bad");
    });
    expect(seen).toEqual(["TypeError", false]);
    expect(out(c)).toBe(response("500 Internal Server Error", ["Content-Length: 3", "Date: X"], "bad"));
  });

  test("HEAD with end(body) alone: the Content-Length a GET would have, no body", async () => {
    const c = await serve((_req, res) => res.end("hello"), "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", [0]);
    expect(out(c)).toBe(response("200 OK", ["Content-Length: 5", "Date: X"]));
  });
});
