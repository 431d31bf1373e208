// A load of an exact number of requests, for counting the work a server does per request: N
// keep-alive connections each send a scenario's request (its validation request: one GET, 16
// pipelined GETs, a 64 KiB POST) and wait for all its responses before sending it again; a
// scenario that closes (Connection: close) opens a new connection per request. Every response is
// checked as the scenario's validation checks it. It must never connect beyond 127.0.0.1 or leave
// a socket open once it resolves.
import net from "node:net";
import { exchange, parseResponses } from "./http-wire.mjs";

/** One keep-alive connection that sends `request` `times` times in a row; resolves the responses' problems. */
function keepAlive(port, validate, times) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const problems = [];
    let buf = Buffer.alloc(0);
    let sent = 0;
    let got = 0;
    const finish = (problem) => {
      if (problem !== undefined) problems.push(problem);
      socket.destroy();
      resolve(problems);
    };
    const send = () => {
      sent += 1;
      got = 0;
      socket.write(validate.request);
    };
    socket.on("connect", send);
    socket.on("data", (data) => {
      buf = Buffer.concat([buf, data]);
      let parsed;
      try {
        parsed = parseResponses(buf);
      } catch (error) {
        return finish(error.message);
      }
      buf = Buffer.from(parsed.rest);
      for (const response of parsed.responses) {
        const problem = validate.check(response);
        if (problem !== undefined && problems.length < 3) problems.push(problem);
      }
      got += parsed.responses.length;
      if (got < validate.expected) return;
      if (sent < times) send();
      else finish();
    });
    socket.on("end", () => finish(sent < times || got < validate.expected ? `connection closed after ${sent} requests` : undefined));
    socket.on("error", (error) => finish(error.message));
  });
}

/**
 * Sends `requests` requests of `scenario` (rounded up to whole validation requests) over
 * `connections` connections; resolves { requests, problems }: how many requests were answered and
 * what went wrong (empty when every response was right).
 */
export async function countedLoad(port, scenario, { requests, connections }) {
  const v = scenario.validate;
  const writes = Math.ceil(requests / v.expected);
  if (v.waitClose) {
    const problems = [];
    let done = 0;
    // `connections` clients, each opening a new connection per request.
    const client = async () => {
      while (done < writes) {
        done += 1;
        // A runtime under callgrind can take seconds for a connection it has just accepted.
        const r = await exchange(port, v.request, { expected: v.expected, waitClose: true, timeoutMs: 60_000 });
        if (r.error !== undefined) problems.push(r.error);
        for (const response of r.responses) {
          const problem = v.check(response);
          if (problem !== undefined) problems.push(problem);
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, client));
    return { requests: writes * v.expected, problems: problems.slice(0, 3) };
  }
  const per = Array.from({ length: connections }, (_, i) => Math.floor(writes / connections) + (i < writes % connections ? 1 : 0)).filter((n) => n > 0);
  const problems = (await Promise.all(per.map((times) => keepAlive(port, v, times)))).flat();
  return { requests: writes * v.expected, problems: problems.slice(0, 3) };
}
