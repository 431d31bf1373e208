// The exact shape of a response the server generates itself (docs/interface.md section 11, "Requests
// the application never sees"), as a vitest assertion for the unit tests. It must never relax that shape.
import { expect } from "vitest";
import { normaliseDate } from "./fake.ts";
import { REASONS } from "../helpers/reasons.ts";


/** The exact error response for `status`, whatever its detail; returns the detail. */
export function expectErrorResponse(text: string, status: number): string {
  const reason = REASONS[status]!;
  const m = /^HTTP\/1\.1 (\d{3}) ([^\r\n]*)\r\nContent-Type: text\/plain; charset=utf-8\r\nContent-Length: (\d+)\r\nConnection: close\r\nDate: X\r\nServer: tsgi\r\n\r\n([\s\S]*)$/.exec(normaliseDate(text));
  expect(m, `not an error response: ${JSON.stringify(text)}`).not.toBeNull();
  const [, code, gotReason, length, body] = m!;
  expect(`${code} ${gotReason}`).toBe(`${status} ${reason}`);
  expect(body!.length, "Content-Length matches the body").toBe(Number(length));
  const bm = /^(\d{3}) ([^:]+): ([a-zA-Z][ -~]*)\n$/.exec(body!);
  expect(bm, `error body: ${JSON.stringify(body)}`).not.toBeNull();
  expect(`${bm![1]} ${bm![2]}`).toBe(`${status} ${reason}`);
  return bm![3]!;
}

