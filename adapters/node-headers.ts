// The response headers of fromNodeHandler's `res`, kept as node:http keeps them: a lower-case key
// for the name as set and the value as given (string, number or array), with node:http's methods
// and errors (setHeader, appendHeader, getHeader, getHeaders, getHeaderNames, getRawHeaderNames,
// hasHeader, removeHeader), and the list startResponse takes once they are fixed.
// Must never send anything, and never let a hop-by-hop header into that list.

import { Stream } from "node:stream";
import type { Header } from "../src/wsgi/types.ts";
import { HOP_BY_HOP } from "./hop-by-hop.ts";
import * as errors from "./node-errors.ts";

export type HeaderValue = string | number | readonly string[];
export type OutgoingHeaders = Record<string, HeaderValue>;
type Field = [name: string, value: HeaderValue | string[]];

const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !TOKEN.test(name)) throw errors.invalidToken(name);
}

function checkValue(name: string, value: unknown): asserts value is HeaderValue {
  if (value === undefined) throw errors.invalidValue(name, value);
  if (Array.isArray(value)) {
    for (const v of value) if (INVALID_VALUE.test(String(v))) throw errors.invalidChar(name);
  } else if (INVALID_VALUE.test(String(value))) throw errors.invalidChar(name);
}

/** The headers for startResponse: one pair per value, hop-by-hop names dropped; whether a Content-Length is among them. */
export function headerList(fields: Record<string, Field> | null): { list: Header[]; hasLength: boolean } {
  const list: Header[] = [];
  let hasLength = false;
  if (fields !== null) {
    for (const key in fields) {
      if (HOP_BY_HOP.has(key)) continue;
      if (key === "content-length") hasLength = true;
      const [name, value] = fields[key]!;
      if (Array.isArray(value)) for (const v of value) list.push([name, String(v)]);
      else list.push([name, String(value)]);
    }
  }
  return { list, hasLength };
}

/** The header half of a ServerResponse (the response copies these methods onto each instance). */
export class HeaderStore extends Stream {
  /** Set when the headers are fixed (some middleware tests it instead of headersSent). */
  _header: string | null = null;
  _fields: Record<string, Field> | null = null;


  setHeader(name: string, value: HeaderValue): this {
    if (this._header !== null) throw errors.headersSent("set");
    checkName(name);
    checkValue(name, value);
    (this._fields ??= Object.create(null) as Record<string, Field>)[name.toLowerCase()] = [name, value];
    return this;
  }

  appendHeader(name: string, value: HeaderValue): this {
    if (this._header !== null) throw errors.headersSent("append");
    checkName(name);
    checkValue(name, value);
    const field = this._fields?.[name.toLowerCase()];
    if (field === undefined) return this.setHeader(name, value);
    const values = Array.isArray(field[1]) ? (field[1] as string[]) : (field[1] = [String(field[1])]);
    if (Array.isArray(value)) for (const v of value) values.push(v);
    else values.push(String(value));
    return this;
  }

  getHeader(name: string): HeaderValue | undefined {
    if (typeof name !== "string") throw errors.invalidToken(name);
    return this._fields?.[name.toLowerCase()]?.[1];
  }

  getHeaders(): OutgoingHeaders {
    const out = Object.create(null) as OutgoingHeaders;
    const fields = this._fields;
    if (fields !== null) for (const key in fields) out[key] = fields[key]![1];
    return out;
  }

  getHeaderNames(): string[] {
    return this._fields === null ? [] : Object.keys(this._fields);
  }

  getRawHeaderNames(): string[] {
    const fields = this._fields;
    return fields === null ? [] : Object.keys(fields).map((k) => fields[k]![0]);
  }

  hasHeader(name: string): boolean {
    if (typeof name !== "string") throw errors.invalidToken(name);
    return this._fields?.[name.toLowerCase()] !== undefined;
  }

  removeHeader(name: string): void {
    if (typeof name !== "string") throw errors.invalidToken(name);
    if (this._header !== null) throw errors.headersSent("remove");
    if (this._fields !== null) delete this._fields[name.toLowerCase()];
  }
}

/** writeHead's headers into the store: an object, a flat [name, value, ...] array or an array of pairs. */
export function mergeHeaders(store: HeaderStore, headers: OutgoingHeaders | HeaderValue[] | HeaderValue[][]): void {
  if (Array.isArray(headers)) {
    const pairs: [unknown, unknown][] = [];
    if (headers.length > 0 && Array.isArray(headers[0])) for (const p of headers as unknown[][]) pairs.push([p[0], p[1]]);
    else {
      if (headers.length % 2 !== 0) throw errors.invalidArgValue("headers");
      for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i], headers[i + 1]]);
    }
    // Names given here replace those set before, yet may repeat among themselves (node:http's rule).
    for (const [name] of pairs) if (typeof name === "string" && name !== "") store.removeHeader(name);
    for (const [name, value] of pairs) if (name) store.appendHeader(name as string, value as HeaderValue);
  } else {
    for (const name of Object.keys(headers)) if (name) store.setHeader(name, headers[name]!);
  }
}
