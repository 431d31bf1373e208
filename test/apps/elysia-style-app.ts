// An Elysia-style fetch app for the fetch adapter tests: an object whose `handle` property is the
// handler (`fromFetch(app.handle)`, as Elysia's `app.handle` is passed around without its object),
// answering with the Response shapes such frameworks return: Response.json with two Set-Cookie
// fields, a Blob, an ArrayBuffer, a form read with request.formData(), 204 with no body, text on
// HEAD, and a 404 of its own. Served through tsgi by fromFetch (the default export) and on
// Bun.serve and Deno.serve by elysia-style-native.ts.
// It must never use anything of tsgi but the default export's fromFetch.
import { fromFetch } from "../../adapters/fetch.ts";

class App {
  private readonly greeting = "Hello, Elysia-style!";

  /** The handler, an arrow property: it keeps `this` when passed alone. */
  readonly handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    switch (`${request.method} ${url.pathname}`) {
      case "GET /":
      case "HEAD /":
        return new Response(this.greeting, { headers: { "content-type": "text/plain;charset=utf-8" } });
      case "GET /cookies": {
        const res = Response.json({ ok: true, q: url.searchParams.get("q") });
        res.headers.append("set-cookie", "a=1; Path=/; HttpOnly");
        res.headers.append("set-cookie", "b=2; Path=/x");
        return res;
      }
      case "GET /blob":
        return new Response(new Blob(["blob ", "body"], { type: "application/x-test" }));
      case "GET /buffer":
        return new Response(new Uint8Array([0, 1, 2, 253, 254, 255]).buffer, { headers: { "content-type": "application/octet-stream" } });
      case "POST /form": {
        const form = await request.formData();
        return Response.json({ name: form.get("name"), tags: form.getAll("tag") }, { status: 201 });
      }
      case "DELETE /item":
        return new Response(null, { status: 204 });
      default:
        return new Response("not here", { status: 404, headers: { "content-type": "text/plain" } });
    }
  };
}

export const app = new App();
export default fromFetch(app.handle);
