// Validators and conditional requests for tsgi/static (RFC 9110 sections 8.8 and 13): a file's
// ETag and Last-Modified, and what If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since
// and If-Range make of a request, evaluated in the order of RFC 9110 13.2.2 (so If-None-Match
// wins over If-Modified-Since, and If-Match over If-Unmodified-Since).
// Must never do I/O; pure functions of the fields and the file's validators.

/** What a file offers to compare against. */
export interface Validators {
  /** A strong entity-tag, quotes included. */
  readonly etag: string;
  /** Last-Modified as an HTTP date. */
  readonly lastModified: string;
  /** Last-Modified in whole seconds since the epoch. */
  readonly modifiedSec: number;
}

/** The request's conditional fields (undefined when absent). */
export interface Conditions {
  readonly ifMatch?: string;
  readonly ifUnmodifiedSince?: string;
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
}

export const PROCEED = 0;
export const NOT_MODIFIED = 304;
export const PRECONDITION_FAILED = 412;
export type Verdict = typeof PROCEED | typeof NOT_MODIFIED | typeof PRECONDITION_FAILED;

/** The validators of a file of `size` bytes modified at `mtimeMs`, `ino` its inode, `tag` its encoding ("" for none). */
export function validatorsOf(size: number, mtimeMs: number, ino: number, tag: string): Validators {
  const modifiedSec = Math.floor(mtimeMs / 1000);
  const etag = `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}-${ino.toString(16)}${tag === "" ? "" : "-" + tag}"`;
  return { etag, lastModified: new Date(modifiedSec * 1000).toUTCString(), modifiedSec };
}

/** The entity-tags of an If-Match / If-None-Match list, or "*" for any. */
function tagsOf(field: string): string[] | "*" {
  if (field.trim() === "*") return "*";
  return field.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

/** Strong comparison (RFC 9110 8.8.3.2): neither weak, same opaque tag. */
function strongMatch(field: string, etag: string): boolean {
  const tags = tagsOf(field);
  return tags === "*" || tags.includes(etag);
}

/** Weak comparison: the opaque tags are equal, weakness ignored. */
function weakMatch(field: string, etag: string): boolean {
  const tags = tagsOf(field);
  return tags === "*" || tags.some((t) => (t.startsWith("W/") ? t.slice(2) : t) === etag);
}

/** An HTTP date in whole seconds, or NaN. */
function seconds(date: string): number {
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? NaN : Math.floor(ms / 1000);
}

/** RFC 9110 13.2.2 steps 1 to 4 for a GET or HEAD of a file with `v`. */
export function evaluate(c: Conditions, v: Validators): Verdict {
  if (c.ifMatch !== undefined) {
    if (!strongMatch(c.ifMatch, v.etag)) return PRECONDITION_FAILED;
  } else if (c.ifUnmodifiedSince !== undefined) {
    const s = seconds(c.ifUnmodifiedSince);
    if (!Number.isNaN(s) && v.modifiedSec > s) return PRECONDITION_FAILED;
  }
  if (c.ifNoneMatch !== undefined) {
    if (weakMatch(c.ifNoneMatch, v.etag)) return NOT_MODIFIED;
  } else if (c.ifModifiedSince !== undefined) {
    const s = seconds(c.ifModifiedSince);
    if (!Number.isNaN(s) && v.modifiedSec <= s) return NOT_MODIFIED;
  }
  return PROCEED;
}

/**
 * RFC 9110 13.1.5: whether a Range may be honoured given If-Range (true when it is absent). An
 * entity-tag must match strongly; a date must equal Last-Modified exactly.
 */
export function ifRangeHolds(ifRange: string | undefined, v: Validators): boolean {
  if (ifRange === undefined) return true;
  const f = ifRange.trim();
  if (f.startsWith('"') || f.startsWith("W/")) return !f.startsWith("W/") && f === v.etag;
  return seconds(f) === v.modifiedSec;
}
