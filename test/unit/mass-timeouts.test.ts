// Many connections whose timeouts expire together, on one ServerCore with fake transports and its
// real ticker: the ticker acts on a bounded number of them per macrotask (the rest follow in later
// slices, so other connections' I/O runs in between), and every one still gets exactly what it got
// before: its 408 and a close, once.
// It must never synchronise with sleeps: it waits for transport events (the ticker's own timers fire).
import { afterEach, expect, test } from "vitest";
import { ServerCore } from "../../src/server/server.ts";
import type { ConnectionHandle } from "../../src/server/transport.ts";
import { FakeTransport, bytes } from "./fake.ts";
import { expectErrorResponse } from "./error-shape.ts";

const handles: ConnectionHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.closed();
});

/** The most expiries one slice of the ticker may act on (server.ts). */
const PER_SLICE = 16;

test("300 head timeouts expiring in the same tick: each gets its 408 and one close, at most 16 per macrotask", async () => {
  const core = new ServerCore(() => [], { headTimeout: 50, log: () => {} });
  // Writes made in one synchronous run (one slice) are counted together; a microtask ends the run.
  const runs: number[] = [];
  let inRun = 0;
  const note = (): void => {
    if (inRun++ === 0) {
      queueMicrotask(() => {
        runs.push(inRun);
        inRun = 0;
      });
    }
  };
  const transports: FakeTransport[] = [];
  for (let i = 0; i < 300; i++) {
    const t = new FakeTransport();
    const write = t.write.bind(t);
    t.write = (data) => {
      note();
      return write(data);
    };
    const writev = t.writev.bind(t);
    t.writev = (parts) => {
      note();
      return writev(parts);
    };
    const h = core.open(t, { remoteAddress: "192.0.2.1", remotePort: 40000 + i });
    handles.push(h);
    h.received(bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: 1\r\n")); // a head that never ends
    transports.push(t);
  }
  await Promise.all(transports.map((t) => t.untilClosed()));
  for (const t of transports) {
    expect(t.closes).toBe(1);
    expect(t.aborts).toBe(0);
    expect(expectErrorResponse(t.text, 408)).toBe("request head not received in time");
  }
  expect(runs.reduce((a, b) => a + b, 0)).toBe(300);
  expect(Math.max(...runs), `writes per synchronous run: ${runs.join(",")}`).toBeLessThanOrEqual(PER_SLICE);
});
