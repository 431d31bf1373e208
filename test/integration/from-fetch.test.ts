// fromFetch over real sockets: the same Hono app (test/apps/hono-app.ts) answers the same through
// tsgi on Bun, Deno and Node (with the real Request and with the lazy one, each runtime's default
// and the other explicitly) as on Bun.serve and
// Deno.serve: routes with params, JSON in and out, a
// streamed response, a 10 MB upload hashed as it arrives (Content-Length and chunked), and a client
// that leaves mid-stream, seen by the app through request.signal.
// It must never compare Date values or header order, and never wait with sleeps.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RawClient, get, header, text, type HttpResponse } from "../helpers/raw.ts";
import { RUNTIMES, type Server, startServer } from "../helpers/server.ts";
import { type Target, askEach, expectFloodHeldBack, expectUploadsHashed, same, startTwoAtATime } from "../helpers/compare.ts";
import { NATIVE_RUNTIMES, type NativeServer, startNative } from "../helpers/native.ts";
import { pollUntil } from "../helpers/poll.ts";


const targets: Target[] = [];
const tsgi: Server[] = [];
const natives: NativeServer[] = [];

beforeAll(async () => {
  const jobs = [
    ...RUNTIMES.flatMap((rt) =>
      // The default (lazy on Node and Deno, a real Request on Bun), and the other way explicitly.
      ["", rt === "bun" ? ":lazy" : ":eager"].map((which) => async (): Promise<Target> => {
        const s = await startServer(rt, `test/apps/hono-app.ts${which}`);
        tsgi.push(s);
        return { name: `tsgi on ${rt}${which === "" ? "" : which === ":lazy" ? " (lazy Request)" : " (real Request)"}`, port: s.port };
      }),
    ),
    ...NATIVE_RUNTIMES.map((rt) => async (): Promise<Target> => {
      const s = await startNative(rt, "test/apps/hono-native.ts");
      natives.push(s);
      return { name: `${rt === "bun" ? "Bun" : "Deno"}.serve`, port: s.port };
    }),
  ];
  await startTwoAtATime(targets, jobs);
}, 180_000);

afterAll(async () => {
  await Promise.all([...tsgi.map((s) => s.stop()), ...natives.map((s) => s.stop())]);
});

/**
 * What must be the same everywhere: status, content type (Bun's Headers lower-case the charset,
 * Deno's keep it as given), framing and body.
 */
function essence(res: HttpResponse): object {
  return { status: res.status, type: header(res, "content-type")?.toLowerCase(), framing: res.framing, length: header(res, "content-length") ?? null, body: text(res) };
}

async function each(request: string | Uint8Array): Promise<Record<string, object>> {
  return askEach(targets, request, essence);
}

describe("a Hono app through fromFetch answers as on Bun.serve and Deno.serve", () => {
  test("five servers are compared", () => {
    expect(targets.map((t) => t.name)).toEqual(["Bun.serve", "Deno.serve", "tsgi on bun", "tsgi on bun (lazy Request)", "tsgi on deno", "tsgi on deno (real Request)", "tsgi on node", "tsgi on node (real Request)"]);
  });

  test("text, with its Content-Length", async () => {
    // Hono's c.text() sets no type itself: the Response's own (text/plain;charset=UTF-8) goes out,
    // on Bun too, where the Response keeps it out of its headers and Bun.serve adds it while sending.
    const answers = await each(get("/"));
    expect(same(answers)).toEqual({ status: 200, type: "text/plain;charset=utf-8", framing: "length", length: "12", body: "Hello, Hono!" });
  });

  test("route params and a query, as JSON", async () => {
    const a = same(await each(get("/users/42/posts/7?q=caf%C3%A9")));
    expect(a).toMatchObject({ status: 200, type: "application/json", body: JSON.stringify({ user: "42", post: 7, q: "café" }) });
  });

  test("JSON in, JSON out with 201", async () => {
    const body = JSON.stringify({ numbers: [1, 2, 3, 4.5] });
    const a = same(await each(`POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
    expect(a).toMatchObject({ status: 201, body: JSON.stringify({ sum: 10.5, count: 4 }) });
  });

  test("a streamed response, chunked (as Deno.serve; Bun.serve gathers a stream that ends at once)", async () => {
    const answers = await each(get("/stream"));
    const bun = answers["Bun.serve"]!;
    delete answers["Bun.serve"];
    const a = same(answers);
    expect(a).toMatchObject({ status: 200, framing: "chunked", body: "part 1\npart 2\npart 3\npart 4\npart 5\n" });
    expect(bun).toMatchObject({ status: 200, framing: "length", length: "35", body: "part 1\npart 2\npart 3\npart 4\npart 5\n" });
  });

  test("the Request is a Request: headers, body, clone, signal (the lazy one too)", async () => {
    const a = same(await each(`POST /faithful?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Test: yes\r\nContent-Length: 5\r\n\r\nhello`)) as { body: string };
    expect(JSON.parse(a.body)).toEqual({ isRequest: true, tag: "[object Request]", ctor: true, method: "POST", target: "/faithful?x=1", header: "yes", signal: true, copyIsRequest: true, text: "hello", copyText: "hello", bodyUsed: true });
  });

  test("new Request(request) copies it (the lazy one too)", async () => {
    const a = same(await each(get("/rebuilt?y=2", "X-Test: again\r\n"))) as { body: string };
    expect(JSON.parse(a.body)).toEqual({ isRequest: true, method: "GET", target: "/rebuilt?y=2", header: "again" });
  });

  test("bodies given whole (string, bytes, ArrayBuffer, a view, empty, none, JSON, a Blob, form data), at once and after a wait", async () => {
    for (const kind of ["text", "bytes", "buffer", "view", "empty", "none", "json", "status", "blob", "params", "length"]) {
      for (const route of ["bodies", "bodies-async"]) {
        // The content type is left out: Bun.serve adds types of its own (see the text test). A Blob
        // goes out with its length from Bun.serve and chunked from Deno.serve: its bytes alone are compared.
        const answers = await askEach(targets, get(`/${route}/${kind}`), (res) => {
          const bytes = { status: res.status, bytes: Array.from(res.body).join(",") };
          return kind === "blob" ? bytes : { ...bytes, framing: res.framing, length: header(res, "content-length") ?? null, kind: header(res, "x-kind") ?? null };
        });
        expect(same(answers), `${route}/${kind}`).toBeDefined();
      }
    }
  });

  test("a Response whose body was already read is refused with a 500, not sent; one read and released sends what is left (tsgi)", async () => {
    const answers = await askEach(
      targets.filter((x) => x.name.startsWith("tsgi")),
      get("/used-body"),
      (res) => ({ status: res.status, once: text(res).includes("once") }),
    );
    expect(same(answers)).toEqual({ status: 500, once: false });
    // Read and released: the stream is at its end, so nothing of the string goes out.
    const rest = await askEach(
      targets.filter((x) => x.name.startsWith("tsgi")),
      get("/read-then-released"),
      (res) => ({ status: res.status, body: text(res) }),
    );
    expect(same(rest)).toEqual({ status: 200, body: "" });
  });

  test("a request a Request cannot be made of is refused before the handler, lazy or not; an absolute-form target is its URL (tsgi)", async () => {
    // The lazy and the real Request must agree on each runtime (Bun's Request takes TRACE, Node's and Deno's refuse it).
    const ask = async (request: string): Promise<Record<string, object>> => {
      const out: Record<string, object> = {};
      for (const rt of RUNTIMES) {
        const two = targets.filter((x) => x.name === `tsgi on ${rt}` || x.name.startsWith(`tsgi on ${rt} (`));
        expect(two.length).toBe(2);
        out[rt] = same(await askEach(two, request, (res) => ({ status: res.status, body: res.status === 200 ? text(res) : "" })));
      }
      return out;
    };
    for (const method of ["TRACE", "track"]) {
      const a = await ask(`${method} /any HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      // Refused as before the lazy Request (Deno's 400; Node's 500: undici's error there is not our HttpError): the handler never answered.
      for (const rt of ["node", "deno"]) expect([400, 500], `${method} on ${rt}`).toContain((a[rt] as { status: number }).status);
    }
    expect(Object.values(await ask("GET /any HTTP/1.1\r\nHost: bad host\r\n\r\n")).map((a) => (a as { status: number }).status)).toEqual([400, 400, 400]);
    expect(same(await ask("PATCH http://example.test:8080/any?x=1 HTTP/1.1\r\nHost: example.test:8080\r\n\r\n"))).toEqual({ status: 200, body: "PATCH http://example.test:8080/any?x=1" });
    expect(same(await ask("GET /any?y=2 HTTP/1.1\r\nHost: [::1]:99\r\n\r\n"))).toEqual({ status: 200, body: "GET http://[::1]:99/any?y=2" });
  });

  test("404 from notFound", async () => {
    expect(same(await each(get("/nope")))).toMatchObject({ status: 404, body: "no such page" });
  });

  test("a 10 MB upload hashed as it arrives, with Content-Length and chunked", async () => {
    await expectUploadsHashed(targets);
  }, 60_000);

  test("backpressure: a client that does not read stops the Response stream well before its end (tsgi)", async () => {
    await expectFloodHeldBack(targets.filter((x) => x.name.startsWith("tsgi")));
  }, 60_000);

  test("a client that leaves mid-stream aborts request.signal", async () => {
    for (const t of targets) {
      const c = await RawClient.connect(t.port);
      await c.write(get("/forever"));
      await c.waitForText("tick\n");
      const state = await (await fetch(`http://127.0.0.1:${t.port}/forever/state`)).text();
      expect(state, t.name).toBe("streaming");
      c.destroy();
      await pollUntil(() => fetch(`http://127.0.0.1:${t.port}/forever/state`).then((r) => r.text()), (s) => s === "aborted", `${t.name}: request.signal aborted`);
    }
  });
});
