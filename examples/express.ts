// An Express app served by tsgi: `fromNodeHandler` turns any node:http-style `(req, res)` handler
// (here the Express app itself) into a tsgi application, so the framework runs unchanged on tsgi on
// Bun, Deno and Node.
// It must never use anything of tsgi but fromNodeHandler: the Express part is what you would give
// to http.createServer.
//
//   npm run serve -- examples/express.ts        (Bun; `npm start -- examples/express.ts` for Node)
//   curl http://127.0.0.1:8888/hello/world
//   curl -d '{"a":1}' -H 'content-type: application/json' http://127.0.0.1:8888/echo
import express from "express";
import { fromNodeHandler } from "../adapters/node.ts";

const app = express();

app.get("/", (_req, res) => {
  res.type("text/plain").send("Hello from Express on tsgi!");
});
app.get("/hello/:name", (req, res) => {
  res.json({ hello: req.params.name });
});
app.post("/echo", express.json(), (req, res) => {
  res.json({ received: req.body });
});
app.get("/count", (_req, res) => {
  res.type("text/plain");
  let n = 0;
  const timer = setInterval(() => {
    res.write(`${++n}\n`);
    if (n === 5) {
      clearInterval(timer);
      res.end();
    }
  }, 10);
  res.on("close", () => clearInterval(timer));
});

export default fromNodeHandler(app);
