// Asking several servers the same raw request and checking they agree: what the adapter tests
// (fromFetch, toFetch, fromNodeHandler) share, with the upload and backpressure checks their apps
// answer alike (POST /upload gives {bytes, sha256}; GET /flood?total=N writes N bytes and
// /flood/state says how far it got). Must never hide a difference (every answer is compared, each
// named), and never wait with sleeps.
import { createHash, randomBytes } from "node:crypto";
import { expect } from "vitest";
import { type HttpResponse, type ParseOptions, RawClient, get, text } from "./raw.ts";
import { pollUntil } from "./poll.ts";

/** A server to compare, by the name a failed comparison shows. */
export type Target = { name: string; port: number };

/** Each target's answer to `request` on a fresh connection, reduced by `pick`, by target name. */
export async function askEach(targets: readonly Target[], request: string | Uint8Array, pick: (res: HttpResponse) => object, opts: ParseOptions = {}): Promise<Record<string, object>> {
  const out: Record<string, object> = {};
  for (const t of targets) {
    const c = await RawClient.connect(t.port);
    try {
      out[t.name] = pick(await c.request(request, opts));
    } finally {
      c.destroy();
    }
  }
  return out;
}

/** Expects every answer equal to the first (naming the one that differs); returns it. */
export function same(answers: Record<string, object>): object {
  const first = Object.values(answers)[0]!;
  for (const [name, a] of Object.entries(answers)) expect(a, name).toEqual(first);
  return first;
}

/**
 * Runs `starts` two at a time (more servers starting at once on a busy machine can miss the start
 * timeout), adding each started target to `targets`, then sorts them by name so reports are stable.
 */
export async function startTwoAtATime(targets: Target[], starts: readonly (() => Promise<Target>)[]): Promise<void> {
  for (let i = 0; i < starts.length; i += 2) targets.push(...(await Promise.all(starts.slice(i, i + 2).map((start) => start()))));
  targets.sort((a, b) => a.name.localeCompare(b.name));
}

/** A 10 MB upload to each target's POST /upload, with Content-Length and chunked: each answers its length and SHA-256. */
export async function expectUploadsHashed(targets: readonly Target[]): Promise<void> {
  const data = randomBytes(10 * 1024 * 1024);
  const expected = { bytes: data.length, sha256: createHash("sha256").update(data).digest("hex") };
  for (const t of targets) {
    const res = await fetch(`http://127.0.0.1:${t.port}/upload`, { method: "POST", body: data });
    expect(await res.json(), `${t.name} (Content-Length)`).toEqual(expected);
    const pieces = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < data.length; at += 1 << 20) controller.enqueue(data.subarray(at, at + (1 << 20)));
        controller.close();
      },
    });
    const chunked = await fetch(`http://127.0.0.1:${t.port}/upload`, { method: "POST", body: pieces, duplex: "half" } as RequestInit);
    expect(await chunked.json(), `${t.name} (chunked)`).toEqual(expected);
  }
}

/** GET /flood of 64 MB to a client that reads nothing: each target's producer stops well before the end. */
export async function expectFloodHeldBack(targets: readonly Target[]): Promise<void> {
  const total = 64 * 1024 * 1024;
  for (const t of targets) {
    const probeClient = await RawClient.connect(t.port);
    const probe = async () => JSON.parse(text(await probeClient.request(get("/flood/state")))) as { produced: number; done: boolean };
    const c = await RawClient.connect(t.port);
    c.pause();
    await c.write(get(`/flood?total=${total}`, "Connection: close\r\n"));
    let stable = 0;
    let last = -1;
    const settled = await pollUntil(
      probe,
      (p) => {
        expect(p.done, `${t.name}: the stream ran to its end while the client read nothing`).toBe(false);
        stable = p.produced > 0 && p.produced === last ? stable + 1 : 0;
        last = p.produced;
        return stable >= 10;
      },
      `${t.name}: the stream to stop while the client is not reading`,
    );
    expect(settled.produced, t.name).toBeLessThan(total / 4);
    c.destroy();
    probeClient.destroy();
  }
}
