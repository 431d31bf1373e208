// node:http's own server running the differential fuzzer's echo app (the same report as echo.ts,
// repeated here in plain JavaScript: Node 20 runs no TypeScript), on 127.0.0.1, port 0; prints
// "native: listening on PORT". A request node:http refuses gets node's own status (431 for a head
// too large, 413 for chunk extensions too large, else 400, as node's default clientError handler)
// with the parser's error code as the body, so the fuzzer can group refusals by cause
// (the rest as node's default handler: see the clientError listener).
// It must never change how node:http parses (no insecureHTTPParser, default limits).
import http from "node:http";

function environKey(name) {
  if (name.includes("_")) return null;
  const upper = name.toUpperCase().replace(/-/g, "_");
  return upper === "CONTENT_TYPE" || upper === "CONTENT_LENGTH" ? upper : "HTTP_" + upper;
}

function canonicalHeaders(raw) {
  const map = new Map();
  for (let i = 0; i < raw.length; i += 2) {
    const key = environKey(raw[i]);
    if (key === null) continue;
    const known = map.get(key);
    map.set(key, known === undefined ? raw[i + 1] : known + ", " + raw[i + 1]);
  }
  for (const k of ["CONTENT_TYPE", "CONTENT_LENGTH"]) if (map.get(k) === "") map.delete(k);
  return [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function encodeEcho(e) {
  const json = JSON.stringify(e).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  return Buffer.from(json, "latin1").toString("base64");
}

const server = http.createServer((req, res) => {
  const parts = [];
  req.on("data", (d) => parts.push(d));
  req.on("end", () => {
    const echo = encodeEcho({ m: req.method, t: req.url, h: canonicalHeaders(req.rawHeaders), b: Buffer.concat(parts).toString("latin1") });
    res.writeHead(200, { "X-Echo": echo, "Content-Length": "0" });
    res.end();
  });
  req.on("error", () => {});
});

// node's default clientError handling (lib/_http_server.js socketOnError), with the error code as
// the body: a response only when none is in flight or its head has not been sent, then destroy.
server.on("clientError", (err, socket) => {
  const inFlight = socket._httpMessage;
  if (socket.writable && (!inFlight || !inFlight._headerSent)) {
    const status = err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : err.code === "HPE_CHUNK_EXTENSIONS_OVERFLOW" ? "413 Payload Too Large" : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : "400 Bad Request";
    const body = String(err.code ?? "error");
    socket.write(`HTTP/1.1 ${status}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
});

server.listen(0, "127.0.0.1", () => console.log(`native: listening on ${server.address().port}`));
process.on("SIGTERM", () => process.exit(0));
