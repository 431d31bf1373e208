// The access-log line of one finished exchange: Apache's combined log format (host, identity, user,
// time, request line, status, bytes, referer, user agent). Must never throw and never change what
// the client gets: it only formats.

import type { AccessRecord } from "./context.ts";

function field(head: AccessRecord["head"], key: string): string {
  const i = head.names.indexOf(key);
  return i === -1 ? "-" : head.values[i]!;
}

/** One combined-log line; `now` is the time in ms. */
export function accessLine(r: AccessRecord, now: number): string {
  const h = r.head;
  const when = new Date(now).toISOString();
  return `${r.facts.remoteAddress} - - [${when}] "${h.method} ${h.rawTarget} ${h.protocol}" ${r.status} ${r.bytes} ${JSON.stringify(field(h, "HTTP_REFERER"))} ${JSON.stringify(field(h, "HTTP_USER_AGENT"))}`;
}
