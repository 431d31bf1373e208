// An Express app for the node:http adapter tests: a router with params, express.json(), cookies, a
// redirect, a streamed download (a Readable piped into res), an upload piped into a hash, an
// endless stream that records the 'close'/'aborted' events a client leaving causes, and a flood
// written with write()/'drain' (backpressure). Served through
// tsgi by fromNodeHandler (the default export) and on node:http by express-native.ts.
// It must never use anything of tsgi but the default export's fromNodeHandler.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import express from "express";
import { fromNodeHandler } from "../../adapters/node.ts";

/** What the last /forever request saw: "streaming", then the events of the client leaving. */
let forever: { state: string; events: string[] } = { state: "none", events: [] };

export const app = express();

const users = express.Router();
users.get("/:id/posts/:post", (req, res) => {
  res.json({ user: req.params.id, post: Number(req.params.post), q: req.query.q ?? null });
});
app.use("/users", users);

app.get("/", (_req, res) => {
  res.send("Hello, Express!");
});
app.post("/json", express.json(), (req, res) => {
  const numbers = (req.body as { numbers: number[] }).numbers;
  res.status(201).json({ sum: numbers.reduce((a, b) => a + b, 0), count: numbers.length });
});
app.get("/cookies", (_req, res) => {
  res.cookie("a", "1", { httpOnly: true });
  res.cookie("b", "2", { path: "/x" });
  res.send("two cookies");
});
app.get("/redirect", (_req, res) => {
  res.redirect("/users/1/posts/2");
});
app.get("/headers", (req, res) => {
  res.json({ ua: req.headers["user-agent"] ?? null, custom: req.get("x-custom") ?? null, method: req.method, url: req.originalUrl, httpVersion: req.httpVersion });
});
app.get("/stream", (_req, res) => {
  res.type("text/plain");
  for (let n = 1; n <= 5; n++) res.write(`part ${n}\n`);
  res.end();
});
app.get("/download", (req, res) => {
  const size = Number(req.query.size ?? 1024 * 1024);
  async function* pieces() {
    for (let at = 0; at < size; at += 16 * 1024) yield Buffer.alloc(Math.min(16 * 1024, size - at), at / 1024);
  }
  res.type("application/octet-stream");
  Readable.from(pieces()).pipe(res);
});
app.post("/upload", (req, res, next) => {
  const hash = createHash("sha256");
  let bytes = 0;
  req.on("data", (chunk: Buffer) => (bytes += chunk.length));
  req.pipe(hash).on("finish", () => res.json({ bytes, sha256: hash.digest("hex") }));
  req.on("error", next);
});
app.get("/forever", (req, res) => {
  const events: string[] = [];
  forever = { state: "streaming", events };
  res.type("text/plain");
  const timer = setInterval(() => res.write("tick\n"), 5);
  req.on("aborted", () => events.push("req aborted"));
  req.on("close", () => events.push("req close"));
  res.on("close", () => {
    events.push("res close");
    clearInterval(timer);
    forever.state = "closed";
  });
  res.write("tick\n");
});
app.get("/forever/state", (_req, res) => {
  res.json(forever);
});

/** How much the last /flood request produced, and whether it ran to its end. */
let flood: { produced: number; done: boolean } = { produced: 0, done: false };
app.get("/flood", (req, res) => {
  const total = Number(req.query.total);
  const state: { produced: number; done: boolean } = { produced: 0, done: false };
  flood = state;
  const piece = Buffer.alloc(64 * 1024, 120);
  res.type("application/octet-stream");
  const pump = (): void => {
    while (state.produced < total) {
      state.produced += piece.length;
      if (!res.write(piece)) {
        res.once("drain", pump);
        return;
      }
    }
    state.done = true;
    res.end();
  };
  pump();
});
app.get("/flood/state", (_req, res) => {
  res.json(flood);
});

export default fromNodeHandler(app);
