// The close() of a Promise an application returns: called once when the request ends before the
// Promise settles (the client went away, or the response timed out), never when it settles first.
// It must never wait on time: waits are for transport events or settle().
import { expect, test } from "vitest";
import type { Body } from "../../src/wsgi/types.ts";
import { connect, settle } from "./fake.ts";

const GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

function pendingApp(): { app: () => Promise<Body>; closes: () => number; resolve: (b: Body) => void } {
  let closes = 0;
  let resolve!: (b: Body) => void;
  const app = () => {
    const p = new Promise<Body>((r) => (resolve = r)) as Promise<Body> & { close?: () => void };
    p.close = () => void closes++;
    return p;
  };
  return { app, closes: () => closes, resolve: (b) => resolve(b) };
}

test("the client goes away while the Promise is pending: its close() is called once", async () => {
  const t = pendingApp();
  const c = connect(t.app);
  c.send(GET);
  await settle();
  expect(t.closes()).toBe(0);
  c.handle.closed();
  expect(t.closes()).toBe(1);
  t.resolve([]);
  await settle();
  expect(t.closes()).toBe(1);
});

test("a Promise that settles first is never closed", async () => {
  const t = pendingApp();
  const c = connect((_env, sr) => {
    const p = t.app();
    sr("200 OK", []);
    return p;
  });
  c.send(GET);
  t.resolve(["done"]);
  await c.transport.untilClosedOr(1);
  c.handle.closed();
  await settle();
  expect(t.closes()).toBe(0);
});
