// A minimal HTTP/1.1 response reader for the bench harness (Node): parses status line, headers and
// Content-Length / chunked / close-delimited bodies from raw bytes, and sends raw requests on a
// socket. Used to validate servers and by the idle-connection client.
// It must never be used as a general HTTP client: it trusts the server and has no limits.
import net from "node:net";

const CRLF2 = Buffer.from("\r\n\r\n");

/**
 * Parses as many complete responses as `buf` holds. Returns { responses, rest }.
 * `atEof` says the connection is closed, which completes a close-delimited body.
 */
export function parseResponses(buf, atEof = false) {
  const responses = [];
  let at = 0;
  for (;;) {
    const headEnd = buf.indexOf(CRLF2, at);
    if (headEnd < 0) break;
    const lines = buf.subarray(at, headEnd).toString("latin1").split("\r\n");
    const match = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0]);
    if (!match) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
    const headers = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon <= 0) throw new Error(`bad header line ${JSON.stringify(line)}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const bodyStart = headEnd + 4;
    const status = Number(match[2]);
    let body;
    let end;
    const chunked = /chunked/i.test(headers["transfer-encoding"] ?? "");
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
      body = Buffer.alloc(0);
      end = bodyStart;
    } else if (chunked) {
      const parts = [];
      let p = bodyStart;
      let complete = false;
      for (;;) {
        const lineEnd = buf.indexOf("\r\n", p);
        if (lineEnd < 0) break;
        const size = parseInt(buf.subarray(p, lineEnd).toString("latin1").split(";")[0], 16);
        if (Number.isNaN(size)) throw new Error("bad chunk size line");
        if (size === 0) {
          const trailerEnd = buf.indexOf(CRLF2, lineEnd);
          const emptyTrailer = buf.subarray(lineEnd, lineEnd + 4).equals(CRLF2);
          if (emptyTrailer) end = lineEnd + 4;
          else if (trailerEnd >= 0) end = trailerEnd + 4;
          else break;
          complete = true;
          break;
        }
        if (buf.length < lineEnd + 2 + size + 2) break;
        parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        p = lineEnd + 2 + size + 2;
      }
      if (!complete) break;
      body = Buffer.concat(parts);
    } else if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      if (buf.length < bodyStart + length) break;
      body = buf.subarray(bodyStart, bodyStart + length);
      end = bodyStart + length;
    } else {
      if (!atEof) break;
      body = buf.subarray(bodyStart);
      end = buf.length;
    }
    responses.push({ version: match[1], status, headers, body: Buffer.from(body), chunked });
    at = end;
  }
  return { responses, rest: buf.subarray(at) };
}

/**
 * Connects to 127.0.0.1:port, writes `request` in one write, and collects responses until
 * `expected` arrived (and, when `waitClose`, the server closed) or `timeoutMs` passed.
 * Resolves { responses, closed, error }.
 */
export function exchange(port, request, { expected = 1, waitClose = false, timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let buf = Buffer.alloc(0);
    let responses = [];
    let closed = false;
    let settled = false;
    const finish = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses, closed, error });
    };
    const timer = setTimeout(
      () => finish(`timed out after ${timeoutMs} ms with ${responses.length}/${expected} responses`),
      timeoutMs,
    );
    const check = (atEof) => {
      try {
        const parsed = parseResponses(buf, atEof);
        responses = responses.concat(parsed.responses);
        buf = Buffer.from(parsed.rest);
      } catch (error) {
        finish(error.message);
        return;
      }
      if (responses.length >= expected && (!waitClose || closed)) finish();
    };
    socket.on("connect", () => socket.write(request));
    socket.on("data", (data) => {
      buf = Buffer.concat([buf, data]);
      check(false);
    });
    socket.on("end", () => {
      closed = true;
      check(true);
      finish(responses.length >= expected ? undefined : `connection closed after ${responses.length}/${expected} responses`);
    });
    socket.on("error", (error) => finish(error.message));
  });
}
