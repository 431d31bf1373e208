// A static site with an application behind it: `staticFiles` (tsgi/static) serves examples/public/
// under /static/ (ETag, 304, Range, the precompressed site.css.gz to clients that accept gzip), and
// every other request goes to the fallback app.
// It must never do more than wire the two together: the work is in adapters/static.ts.
//
//   npm run serve -- examples/static.ts        (Bun; `npm start -- examples/static.ts` for Node)
//   curl -i http://127.0.0.1:8888/static/               (examples/public/index.html)
//   curl -i -H 'accept-encoding: gzip' http://127.0.0.1:8888/static/css/site.css
//   curl -i -H 'range: bytes=0-9' http://127.0.0.1:8888/static/css/site.css
//   curl -i http://127.0.0.1:8888/hello                 (the fallback app)
import { fileURLToPath } from "node:url";
import type { Application } from "../src/wsgi/types.ts";
import { staticFiles } from "../adapters/static.ts";

const app: Application = (environ, startResponse) => {
  startResponse("200 OK", [["Content-Type", "text/plain; charset=utf-8"]]);
  return [`Hello from the app behind the static files: ${environ.PATH_INFO}\n`];
};

export default staticFiles(fileURLToPath(new URL("public", import.meta.url)), { prefix: "/static/", fallback: app });
