// Unit tests of --limit-concurrency (src/server/admission.ts) on a ServerCore with fake transports:
// at most N requests in the app, M more waiting in FIFO order, 503 with Retry-After beyond that on a
// connection that stays usable, a waiting request whose client goes away leaves the queue, and a
// graceful shutdown with requests waiting. Waits are for transport events or settle(), never sleeps.
import { afterEach, describe, expect, test } from "vitest";
import type { Application } from "../../src/wsgi/types.ts";
import type { CoreOptions } from "../../src/server/options.ts";
import { ServerCore } from "../../src/server/server.ts";
import type { ConnectionHandle } from "../../src/server/transport.ts";
import { FakeTransport, bytes, finalStatuses, settle } from "./fake.ts";

interface Conn {
  transport: FakeTransport;
  handle: ConnectionHandle;
  send(text: string): void;
}

/** An app whose requests wait until the test releases them, recording which ones started. */
class Gate {
  readonly started: string[] = [];
  private readonly releases = new Map<string, () => void>();
  readonly app: Application = async (env, sr) => {
    const path = env.PATH_INFO as string;
    this.started.push(path);
    await new Promise<void>((resolve) => this.releases.set(path, resolve));
    sr("200 OK", [["Content-Type", "text/plain"]]);
    return [`done ${path}`];
  };
  release(path: string): void {
    const r = this.releases.get(path);
    if (r === undefined) throw new Error(`${path} has not started`);
    this.releases.delete(path);
    r();
  }
}

const opened: Conn[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.handle.closed();
});

function server(app: Application, options: Partial<CoreOptions>): { core: ServerCore; open(): Conn; logs: string[] } {
  const logs: string[] = [];
  const core = new ServerCore(app, { log: (line) => logs.push(line), ...options });
  return {
    core,
    logs,
    open() {
      const transport = new FakeTransport();
      const handle = core.open(transport, { remoteAddress: "192.0.2.1", remotePort: 40000 + opened.length });
      const c: Conn = { transport, handle, send: (text) => handle.received(bytes(text)) };
      opened.push(c);
      return c;
    },
  };
}

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`;

describe("--limit-concurrency and --backlog-requests", () => {
  test("off by default: no admission, nothing waits", async () => {
    const gate = new Gate();
    const { core, open } = server(gate.app, {});
    expect(core.admission).toBeNull();
    for (let i = 0; i < 6; i++) open().send(get(`/${i}`));
    await settle();
    expect(gate.started).toEqual(["/0", "/1", "/2", "/3", "/4", "/5"]);
  });

  test("limit 2, backlog 2, six at once: two run, two wait then run in order, two get 503 with Retry-After at once", async () => {
    const gate = new Gate();
    const { core, open } = server(gate.app, { limitConcurrency: 2, backlogRequests: 2 });
    const conns = [0, 1, 2, 3, 4, 5].map(() => open());
    conns.forEach((c, i) => c.send(get(`/${i}`)));
    await settle();
    expect(gate.started).toEqual(["/0", "/1"]);
    expect(core.admission!.active).toBe(2);
    expect(core.admission!.queued).toBe(2);
    // The refused ones were answered without waiting for anything, and stay open.
    for (const c of conns.slice(4)) {
      expect(finalStatuses(c.transport.text)).toEqual([503]);
      expect(c.transport.text).toMatch(/\r\nRetry-After: 1\r\n/);
      expect(c.transport.closed).toBe(false);
    }
    for (const c of conns.slice(0, 4)) expect(c.transport.text).toBe("");
    gate.release("/1");
    await conns[1]!.transport.untilResponses(1);
    await settle();
    expect(gate.started).toEqual(["/0", "/1", "/2"]);
    gate.release("/0");
    await settle();
    expect(gate.started).toEqual(["/0", "/1", "/2", "/3"]);
    gate.release("/2");
    gate.release("/3");
    for (const c of conns.slice(0, 4)) {
      await c.transport.untilResponses(1);
      expect(finalStatuses(c.transport.text)).toEqual([200]);
    }
    expect(core.admission!.active).toBe(0);
    expect(core.admission!.refused).toBe(2);
  });

  test("a refused connection stays usable: its unread body is discarded and its next request is answered", async () => {
    const gate = new Gate();
    const { open } = server(gate.app, { limitConcurrency: 1, backlogRequests: 0 });
    const a = open();
    a.send(get("/a"));
    await settle();
    const b = open();
    b.send("POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
    await b.transport.untilResponses(1);
    expect(finalStatuses(b.transport.text)).toEqual([503]);
    expect(b.transport.text).not.toMatch(/Connection: close/i);
    gate.release("/a");
    await a.transport.untilResponses(1);
    b.send(get("/b2"));
    await settle();
    expect(gate.started).toEqual(["/a", "/b2"]);
    gate.release("/b2");
    await b.transport.untilResponses(2);
    expect(finalStatuses(b.transport.text)).toEqual([503, 200]);
    expect(b.transport.closed).toBe(false);
  });

  test("pipelined requests of one connection stay in order while they wait", async () => {
    const gate = new Gate();
    const { open } = server(gate.app, { limitConcurrency: 1, backlogRequests: 4 });
    const a = open();
    a.send(get("/a"));
    await settle();
    const b = open();
    b.send(get("/b1") + get("/b2") + get("/b3"));
    await settle();
    expect(gate.started).toEqual(["/a"]);
    gate.release("/a");
    await settle();
    expect(gate.started).toEqual(["/a", "/b1"]);
    gate.release("/b1");
    await settle();
    expect(gate.started).toEqual(["/a", "/b1", "/b2"]);
    gate.release("/b2");
    await settle();
    gate.release("/b3");
    await b.transport.untilResponses(3);
    expect(b.transport.text.match(/done \/b\d/g)).toEqual(["done /b1", "done /b2", "done /b3"]);
  });

  test("a waiting request whose client disconnects leaves the queue and never runs", async () => {
    const gate = new Gate();
    const { core, open } = server(gate.app, { limitConcurrency: 1, backlogRequests: 2 });
    const [a, b, c] = [open(), open(), open()];
    a.send(get("/a"));
    b.send(get("/b"));
    c.send(get("/c"));
    await settle();
    expect(core.admission!.queued).toBe(2);
    b.handle.closed();
    expect(core.admission!.queued).toBe(1);
    // The queue has room again: a new request waits instead of being refused.
    const d = open();
    d.send(get("/d"));
    await settle();
    expect(core.admission!.queued).toBe(2);
    expect(d.transport.text).toBe("");
    gate.release("/a");
    await settle();
    expect(gate.started).toEqual(["/a", "/c"]);
    gate.release("/c");
    await settle();
    expect(gate.started).toEqual(["/a", "/c", "/d"]);
    gate.release("/d");
    await d.transport.untilResponses(1);
    expect(core.admission!.active).toBe(0);
  });

  test("a running request whose client disconnects frees its slot", async () => {
    const gate = new Gate();
    const { core, open } = server(gate.app, { limitConcurrency: 1, backlogRequests: 1 });
    const [a, b] = [open(), open()];
    a.send(get("/a"));
    b.send(get("/b"));
    await settle();
    a.handle.closed();
    await settle();
    expect(gate.started).toEqual(["/a", "/b"]);
    expect(core.admission!.active).toBe(1);
    gate.release("/b");
    await b.transport.untilResponses(1);
  });

  test("a request waiting past the response timeout is answered 500, leaves the queue and never runs", async () => {
    const gate = new Gate();
    const { core, open } = server(gate.app, { limitConcurrency: 1, backlogRequests: 1, responseTimeout: 50 });
    // b is opened first, so the ticker judges it first: it times out while a still holds the slot.
    const [b, a] = [open(), open()];
    a.send(get("/a"));
    b.send(get("/b"));
    await settle();
    await b.transport.untilResponses(1);
    expect(finalStatuses(b.transport.text)).toEqual([500]);
    await a.transport.untilResponses(1); // the held app made no progress either
    expect(core.admission!.queued).toBe(0);
    expect(core.admission!.active).toBe(0);
    expect(gate.started).toEqual(["/a"]);
  });

  test("a request that waited starts with a fresh response timeout", async () => {
    const gate = new Gate();
    const { open } = server(gate.app, { limitConcurrency: 1, backlogRequests: 1, responseTimeout: 200 });
    const [a, b] = [open(), open()];
    a.send(get("/a"));
    b.send(get("/b"));
    await settle();
    // a stalls past the response timeout (500); b, judged in the same tick right after, has only just started.
    await a.transport.untilResponses(1);
    expect(finalStatuses(a.transport.text)).toEqual([500]);
    await settle();
    expect(b.transport.text).toBe("");
    gate.release("/b");
    await b.transport.untilResponses(1);
    expect(finalStatuses(b.transport.text)).toEqual([200]);
  });

  test("graceful shutdown with requests waiting: they are served, with Connection: close", async () => {
    const gate = new Gate();
    const { core, open } = server(gate.app, { limitConcurrency: 1, backlogRequests: 2 });
    const [a, b] = [open(), open()];
    a.send(get("/a"));
    b.send(get("/b"));
    await settle();
    let stopped = false;
    const done = core.shutdown().then(() => (stopped = true));
    gate.release("/a");
    await a.transport.untilClosed();
    a.handle.closed(); // what the driver does once the socket is closed
    await settle();
    expect(gate.started).toEqual(["/a", "/b"]);
    expect(stopped).toBe(false);
    gate.release("/b");
    await b.transport.untilClosed();
    b.handle.closed();
    expect(finalStatuses(b.transport.text)).toEqual([200]);
    expect(b.transport.text).toMatch(/\r\nConnection: close\r\n/);
    await done;
    expect(stopped).toBe(true);
  });

  test("graceful shutdown that times out with requests waiting: they are dropped and leave the queue", async () => {
    const gate = new Gate();
    const { core, open } = server(gate.app, { limitConcurrency: 1, backlogRequests: 2, shutdownTimeout: 20 });
    const [a, b, c] = [open(), open(), open()];
    a.send(get("/a"));
    b.send(get("/b"));
    c.send(get("/c"));
    await settle();
    await core.shutdown();
    expect(b.transport.aborts).toBe(1);
    expect(c.transport.aborts).toBe(1);
    expect(core.admission!.queued).toBe(0);
    expect(core.admission!.active).toBe(0);
    expect(gate.started).toEqual(["/a"]);
  });
});
