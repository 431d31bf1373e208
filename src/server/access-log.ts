// The access-log line of one finished exchange: Apache's combined log format (host, identity, user,
// [time], "request line", status, bytes, "referer", "user agent"), which log parsers read as it is:
// an empty field is "-" (the address on a unix socket), the time is `10/Oct/2000:13:55:36 +0000`.
// Must never throw and never change what the client gets: it only formats.

import type { RequestHead } from "../http/request-head.ts";
import type { ConnectionFacts } from "../wsgi/environ.ts";

function field(head: RequestHead, key: string): string {
  const i = head.names.indexOf(key);
  return i === -1 ? "-" : head.values[i]!;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Common log format time in UTC: `10/Oct/2000:13:55:36 +0000`. */
function logTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** One combined-log line; `now` is the time in ms. */
export function accessLine(h: RequestHead, facts: ConnectionFacts, status: number, bytes: number, now: number): string {
  const host = facts.remoteAddress === "" ? "-" : facts.remoteAddress;
  return `${host} - - [${logTime(now)}] "${h.method} ${h.rawTarget} ${h.protocol}" ${status} ${bytes} ${JSON.stringify(field(h, "HTTP_REFERER"))} ${JSON.stringify(field(h, "HTTP_USER_AGENT"))}`;
}
