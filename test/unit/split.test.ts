// Split invariance: the bytes the server writes back must not depend on how the request bytes were
// cut into reads. Each request stream of the corpus (valid, malformed, pipelined) is fed to a fresh
// ServerCore whole, split at every byte boundary into two pieces, and one byte at a time; the
// outputs (Date normalised) must be identical. Two apps: one reads the body through wsgi.input,
// one answers without reading it. It must never compare outputs with Date left in, or feed the
// next piece before the core has done all it can with the previous one.
import { describe, expect, test } from "vitest";
import type { Application, Environ } from "../../src/wsgi/types.ts";
import type { CoreOptions } from "../../src/server/options.ts";
import { type GoodCase, MALFORMED, SMALL, VALID, isBodyCase } from "./cases.ts";
import { bytes, connect, finalStatuses, latin1, normaliseDate, settle } from "./fake.ts";

function describeRequest(env: Environ, body: string): string {
  const h = (k: string): string => String(env[k] ?? "-");
  return (
    `${env.REQUEST_METHOD} ${env.PATH_INFO} ?${env.QUERY_STRING} ${env.SERVER_PROTOCOL} host=${h("HTTP_HOST")} ` +
    `ct=${env.CONTENT_TYPE} cl=${env.CONTENT_LENGTH} x-a=${h("HTTP_X_A")} x-c=${h("HTTP_X_C")} body=${body}\n`
  );
}

/** Reads the whole body through wsgi.input, then echoes the request. */
const readingEcho: Application = async (env, sr) => {
  const body = await env["wsgi.input"].read();
  sr("200 OK", [["Content-Type", "text/plain"]]);
  return [describeRequest(env, latin1(body))];
};

/** Answers at once (synchronously) without reading the body. */
const ignoringEcho: Application = (env, sr) => {
  sr("200 OK", [["Content-Type", "text/plain"]]);
  return [describeRequest(env, "(unread)")];
};

interface Outcome {
  out: string;
  closed: boolean;
}

/** Feeds `pieces` one after another, letting the core finish its work after each. */
async function run(app: Application, pieces: Uint8Array[], options: Partial<CoreOptions> | undefined): Promise<Outcome> {
  const client = connect(app, options);
  try {
    for (const p of pieces) {
      client.handle.received(p);
      await settle();
    }
    expect(client.transport.textByReference, "a buffer was changed after it was written").toBe(client.transport.text);
    return { out: normaliseDate(client.transport.text), closed: client.transport.closed };
  } finally {
    client.handle.closed();
  }
}

interface Expected {
  statuses: number[];
  closes: boolean;
}

interface Case {
  name: string;
  request: string;
  options?: Partial<CoreOptions>;
  /** What the whole run must give with each app; null when only invariance is asserted. */
  reading: Expected | null;
  ignoring: Expected | null;
  heads?: number[];
}

/** The expectations of a valid case for both apps. */
function fromGood(c: GoodCase): Pick<Case, "reading" | "ignoring"> {
  const reading = { statuses: c.statuses, closes: c.closes };
  if (c.bodyError) return { reading, ignoring: null };
  if (c.unreadCloses) return { reading, ignoring: { statuses: c.statuses.slice(0, 1), closes: true } };
  return { reading, ignoring: reading };
}

function pipelined(c: GoodCase, next: GoodCase): Case {
  const a = fromGood(c);
  const b = fromGood(next);
  const join = (x: Expected | null, y: Expected | null): Expected | null => {
    if (x === null || y === null) return null;
    if (x.closes) return x;
    return { statuses: [...x.statuses, ...y.statuses], closes: y.closes };
  };
  return {
    name: `pipelined: ${c.name} + ${next.name}`,
    request: c.request + next.request,
    reading: join(a.reading, b.reading),
    ignoring: join(a.ignoring, b.ignoring),
    heads: [...(c.heads ?? []), ...(next.heads ?? []).map((i) => i + c.statuses.length)],
  };
}

const CASES: Case[] = [
  ...VALID.map((c) => ({ name: c.name, request: c.request, options: c.options, heads: c.heads, ...fromGood(c) })),
  ...MALFORMED.map((c) => {
    const e = { statuses: [c.status], closes: true };
    return { name: `malformed: ${c.name}`, request: c.request, options: c.options, reading: e, ignoring: isBodyCase(c) ? null : e };
  }),
  // Pipelined: each valid case without options followed by the next one.
  ...VALID.filter((c) => c.options === undefined && !c.closes).map((c, i, all) => pipelined(c, all[(i + 1) % all.length]!)),
  // Pipelined: a valid request followed by a malformed one.
  ...MALFORMED.filter((c, i) => i % 7 === 0 && c.options === undefined).map((c) => {
    const e = { statuses: [200, c.status], closes: true };
    return { name: `pipelined: GET + malformed ${c.name}`, request: "GET /first HTTP/1.1\r\nHost: a\r\n\r\n" + c.request, reading: e, ignoring: isBodyCase(c) ? null : e };
  }),
  {
    // Fields end exactly at maxHeadSize; the final CRLF is past it. Whichever way the limit counts
    // the final CRLF, the verdict must not depend on where the bytes were cut.
    name: "limit boundary: head fields end exactly at maxHeadSize",
    request: `GET / HTTP/1.1\r\nHost: example.com\r\nX: ${"v".repeat(256 - 16 - 19 - 5)}\r\n\r\n`,
    options: SMALL,
    reading: null,
    ignoring: null,
  },
  {
    // A bare LF is found only after the request line already passed maxRequestLine.
    name: "limit vs syntax: bare LF after a request line longer than maxRequestLine",
    request: `GET /${"a".repeat(70)}\nHost: a\r\n\r\n`,
    options: SMALL,
    reading: null,
    ignoring: null,
  },
  {
    // A bare LF ends a field line that already passed maxHeadSize.
    name: "limit vs syntax: bare LF after a head longer than maxHeadSize",
    request: `GET / HTTP/1.1\r\nHost: a\r\nX: ${"v".repeat(300)}\n\r\n`,
    options: SMALL,
    reading: null,
    ignoring: null,
  },
  {
    name: "limit boundary: request line one byte under maxRequestLine",
    request: `GET /${"a".repeat(49)} HTTP/1.1\r\nHost: a\r\n\r\n`,
    options: SMALL,
    reading: { statuses: [200], closes: false },
    ignoring: { statuses: [200], closes: false },
  },
];

const APPS: [string, Application][] = [
  ["reading app", readingEcho],
  ["non-reading app", ignoringEcho],
];

describe.each(APPS)("split invariance (%s)", (appName, app) => {
  test.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const all = bytes(c.request);
    const whole = await run(app, [all], c.options);

    // The whole run is itself what the case says.
    const expected = appName === "reading app" ? c.reading : c.ignoring;
    if (expected !== null) {
      expect(finalStatuses(whole.out, c.heads ?? []), whole.out).toEqual(expected.statuses);
      expect(whole.closed, whole.out).toBe(expected.closes);
    }

    for (let cut = 1; cut < all.length; cut++) {
      const got = await run(app, [all.subarray(0, cut), all.subarray(cut)], c.options);
      if (got.out !== whole.out || got.closed !== whole.closed) {
        expect({ split: `at ${cut}: ${JSON.stringify(c.request.slice(0, cut))} | ${JSON.stringify(c.request.slice(cut))}`, ...got }).toEqual({
          split: `at ${cut}: ${JSON.stringify(c.request.slice(0, cut))} | ${JSON.stringify(c.request.slice(cut))}`,
          ...whole,
        });
      }
    }
    const oneByOne = await run(app, Array.from(all, (_, i) => all.subarray(i, i + 1)), c.options);
    expect({ split: "one byte at a time", ...oneByOne }).toEqual({ split: "one byte at a time", ...whole });
  });
});

