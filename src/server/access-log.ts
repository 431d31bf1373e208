// The access-log line of one finished exchange: Apache's combined log format (host, identity, user,
// time, request line, status, bytes, referer, user agent). Must never throw and never change what
// the client gets: it only formats.

import type { RequestHead } from "../http/request-head.ts";
import type { ConnectionFacts } from "../wsgi/environ.ts";

function field(head: RequestHead, key: string): string {
  const i = head.names.indexOf(key);
  return i === -1 ? "-" : head.values[i]!;
}

/** One combined-log line; `now` is the time in ms. */
export function accessLine(h: RequestHead, facts: ConnectionFacts, status: number, bytes: number, now: number): string {
  const when = new Date(now).toISOString();
  return `${facts.remoteAddress} - - [${when}] "${h.method} ${h.rawTarget} ${h.protocol}" ${status} ${bytes} ${JSON.stringify(field(h, "HTTP_REFERER"))} ${JSON.stringify(field(h, "HTTP_USER_AGENT"))}`;
}
