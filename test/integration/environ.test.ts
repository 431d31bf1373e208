// The environ an app receives for exact request bytes, on every runtime: CGI keys, wsgi.* keys,
// HTTP_* headers (joined repeats, dropped `_` names, Latin-1 values), percent-decoded PATH_INFO as
// Latin-1, raw QUERY_STRING, absolute-form and asterisk-form targets, HTTP/1.0.
// It must never compare against values computed by the server's own code.
import { describe, expect, test } from "vitest";
import { RawClient, text } from "../helpers/raw.ts";
import { RUNTIMES, useServer } from "../helpers/server.ts";

const APP = "test/apps/environ.ts";

type Env = Record<string, unknown>;

describe.each(RUNTIMES)("environ (%s)", (runtime) => {
  const server = useServer(runtime, APP);

  async function environFor(request: string): Promise<{ env: Env; client: RawClient }> {
    const client = await RawClient.connect(server().port);
    const res = await client.request(request);
    expect(res.status, text(res)).toBe(200);
    return { env: JSON.parse(text(res)) as Env, client };
  }

  test("CGI and wsgi keys for a plain GET", async () => {
    const { env, client } = await environFor("GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.org:8080\r\nUser-Agent: t\r\n\r\n");
    expect(env).toMatchObject({
      REQUEST_METHOD: "GET",
      SCRIPT_NAME: "",
      PATH_INFO: "/a/b",
      QUERY_STRING: "x=1&y=%20",
      CONTENT_TYPE: "",
      CONTENT_LENGTH: "",
      SERVER_NAME: "127.0.0.1",
      SERVER_PORT: String(server().port),
      SERVER_PROTOCOL: "HTTP/1.1",
      REMOTE_ADDR: "127.0.0.1",
      REMOTE_PORT: String(client.localPort),
      HTTP_HOST: "example.org:8080",
      HTTP_USER_AGENT: "t",
      "wsgi.version": [1, 0],
      "wsgi.url_scheme": "http",
      "wsgi.multithread": true,
      "wsgi.multiprocess": false,
      "wsgi.run_once": false,
      "wsgi.input_terminated": true,
      "wsgi.input": "<object>",
      "wsgi.errors": "<object>",
      "tsgi.runtime": runtime,
      "tsgi.raw_uri": "/a/b?x=1&y=%20",
      __input: { read: "function", readline: "function", readlines: "function", asyncIterator: "function" },
      __errors: { write: "function", writelines: "function", flush: "function" },
      __file_wrapper: "function",
    });
  });

  test("only HTTP_* keys for the headers that were sent", async () => {
    const { env } = await environFor("GET / HTTP/1.1\r\nHost: h\r\nX-One: 1\r\n\r\n");
    const httpKeys = Object.keys(env).filter((k) => k.startsWith("HTTP_")).sort();
    expect(httpKeys).toEqual(["HTTP_HOST", "HTTP_X_ONE"]);
  });

  test("PATH_INFO is percent-decoded and carried as Latin-1; raw_uri keeps the escapes", async () => {
    const { env } = await environFor("GET /caf%C3%A9/%41%2fb?q=%C3%A9 HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(env.PATH_INFO).toBe("/caf\u00c3\u00a9/A/b");
    expect(env.QUERY_STRING).toBe("q=%C3%A9");
    expect(env["tsgi.raw_uri"]).toBe("/caf%C3%A9/%41%2fb?q=%C3%A9");
  });

  test("a path without query has QUERY_STRING \"\"; an empty query too", async () => {
    expect((await environFor("GET /p HTTP/1.1\r\nHost: h\r\n\r\n")).env.QUERY_STRING).toBe("");
    expect((await environFor("GET /p? HTTP/1.1\r\nHost: h\r\n\r\n")).env.QUERY_STRING).toBe("");
  });

  test("the method is passed as sent (case-sensitive, any token)", async () => {
    const { env } = await environFor("PROPFIND /x HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(env.REQUEST_METHOD).toBe("PROPFIND");
  });

  test("repeated headers are joined with \", \" (names compared case-insensitively)", async () => {
    const { env } = await environFor("GET / HTTP/1.1\r\nHost: h\r\nX-Multi: a\r\nx-multi: b\r\nX-MULTI: c, d\r\n\r\n");
    expect(env.HTTP_X_MULTI).toBe("a, b, c, d");
  });

  test("header names containing _ are dropped, and do not shadow the - spelling", async () => {
    const { env } = await environFor("GET / HTTP/1.1\r\nHost: h\r\nX_Forwarded_For: evil\r\nX-Forwarded-For: 192.0.2.1\r\nOnly_Under: x\r\n\r\n");
    expect(env.HTTP_X_FORWARDED_FOR).toBe("192.0.2.1");
    expect(Object.keys(env).some((k) => k.startsWith("HTTP_ONLY"))).toBe(false);
  });

  test("header values: OWS trimmed, inner spaces and tabs kept, obs-text as Latin-1", async () => {
    const { env } = await environFor("GET / HTTP/1.1\r\nHost: h\r\nX-Space: \t a \t b \t\r\nX-Latin: caf\xe9\xff\r\nX-Empty:\r\n\r\n");
    expect(env.HTTP_X_SPACE).toBe("a \t b");
    expect(env.HTTP_X_LATIN).toBe("caf\u00e9\u00ff");
    expect(env.HTTP_X_EMPTY).toBe("");
  });

  test("Content-Type and Content-Length go to CONTENT_TYPE / CONTENT_LENGTH", async () => {
    const { env } = await environFor("POST /f HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain; charset=x\r\nContent-Length: 3\r\n\r\nabc");
    expect(env.CONTENT_TYPE).toBe("text/plain; charset=x");
    expect(env.CONTENT_LENGTH).toBe("3");
  });

  test("a chunked request has CONTENT_LENGTH \"\"", async () => {
    const { env } = await environFor("POST /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    expect(env.CONTENT_LENGTH).toBe("");
  });

  test("absolute-form: its authority replaces Host; path and query split out", async () => {
    const { env } = await environFor("GET http://other.example:8081/abs/p%20q?k=v HTTP/1.1\r\nHost: ignored.example\r\n\r\n");
    expect(env.HTTP_HOST).toBe("other.example:8081");
    expect(env.PATH_INFO).toBe("/abs/p q");
    expect(env.QUERY_STRING).toBe("k=v");
    expect(env["tsgi.raw_uri"]).toBe("http://other.example:8081/abs/p%20q?k=v");
  });

  test("absolute-form works with any method", async () => {
    const { env } = await environFor("DELETE http://h2/item HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(env.REQUEST_METHOD).toBe("DELETE");
    expect(env.HTTP_HOST).toBe("h2");
    expect(env.PATH_INFO).toBe("/item");
  });

  test("asterisk-form with OPTIONS: PATH_INFO is *", async () => {
    const { env } = await environFor("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(env.REQUEST_METHOD).toBe("OPTIONS");
    expect(env.PATH_INFO).toBe("*");
    expect(env.QUERY_STRING).toBe("");
  });

  test("HTTP/1.0 without Host is accepted; SERVER_PROTOCOL is HTTP/1.0", async () => {
    const { env } = await environFor("GET /old HTTP/1.0\r\n\r\n");
    expect(env.SERVER_PROTOCOL).toBe("HTTP/1.0");
    expect(env.PATH_INFO).toBe("/old");
    expect("HTTP_HOST" in env).toBe(false);
  });

  test("an empty Host is allowed", async () => {
    const { env } = await environFor("GET / HTTP/1.1\r\nHost:\r\n\r\n");
    expect(env.HTTP_HOST).toBe("");
  });

  test("each request on a keep-alive connection gets its own environ", async () => {
    const c = await RawClient.connect(server().port);
    const a = JSON.parse(text(await c.request("GET /first HTTP/1.1\r\nHost: h\r\nX-Only-First: 1\r\n\r\n"))) as Env;
    const b = JSON.parse(text(await c.request("GET /second HTTP/1.1\r\nHost: h\r\n\r\n"))) as Env;
    expect(a.PATH_INFO).toBe("/first");
    expect(a.HTTP_X_ONLY_FIRST).toBe("1");
    expect(b.PATH_INFO).toBe("/second");
    expect("HTTP_X_ONLY_FIRST" in b).toBe(false);
    expect(b.REMOTE_PORT).toBe(a.REMOTE_PORT);
  });
});
