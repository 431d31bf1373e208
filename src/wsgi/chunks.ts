// What an application hands the server, checked: body chunks to bytes (strings as UTF-8), values
// described for error messages, and thenables told apart from other values.
// Must never copy a Uint8Array chunk (it is sent as it is) and never accept a chunk that is neither
// bytes nor a string.

import { encodeUtf8 } from "../http/bytes.ts";
import { ApplicationError } from "../errors.ts";

/** A value in a few words, for an error message ("a string", "an object ([object Map])"). */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return "a string";
  if (v instanceof Uint8Array) return "a Uint8Array";
  if (typeof v === "object") return `an object (${Object.prototype.toString.call(v)})`;
  return `a ${typeof v}`;
}

/** A body chunk as bytes; throws ApplicationError for anything but a Uint8Array or a string. */
export function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return encodeUtf8(chunk);
  throw new ApplicationError(`the response body yielded ${describe(chunk)}; chunks must be Uint8Array or string`);
}

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof (v as { then?: unknown }).then === "function";
}

/** The non-empty chunks of an Array body as bytes; throws ApplicationError for a bad chunk. */
export function bytesOf(body: readonly unknown[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < body.length; i++) {
    const bytes = toBytes(body[i]);
    if (bytes.length > 0) out.push(bytes);
  }
  return out;
}
