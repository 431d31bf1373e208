// Bench app: Express's "hello" through fromNodeHandler: GET / answers "Hello, World!" as text/plain
// with its Content-Length and ETag (Express's res.send).
// It must do exactly what bench/native/express.mjs does, nothing more.
import express from "express";
import { fromNodeHandler } from "../../adapters/node.ts";

const app = express();
app.get("/", (_req, res) => {
  res.type("text/plain").send("Hello, World!");
});

export default fromNodeHandler(app);
