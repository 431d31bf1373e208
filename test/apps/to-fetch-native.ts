// fetch-target.ts, a tsgi app, served by the runtime's own server (Bun.serve or Deno.serve) through
// toFetch, which takes REMOTE_ADDR from the host's second argument. It must never be run on Node
// (Node has no fetch server of its own).
import { toFetch } from "../../adapters/fetch.ts";
import app from "./fetch-target.ts";
import { serveNatively } from "./serve-natively.ts";

serveNatively(toFetch(app));
