// The canonical report of what an echo app saw (method, target, header fields as environ keys,
// body), shared by tsgi's echo app and the native Bun and Deno servers (native-node.mjs repeats it
// in plain JavaScript), and its transport in one ASCII response header (X-Echo) so that it survives
// HEAD and every framing. It must never lose or reorder what an app saw beyond the documented
// normalisation: names become environ keys (upper case, "-" to "_", HTTP_ prefix but for
// CONTENT_TYPE and CONTENT_LENGTH), names with "_" are dropped (tsgi drops them: docs/interface.md),
// repeated fields are joined with ", " in order, empty CONTENT_TYPE/CONTENT_LENGTH are left out
// (environ always has both keys), and keys are sorted (WSGI environ and Fetch Headers are unordered).

export interface Echo {
  /** Method as the app saw it. */
  m: string;
  /** Request target as the app saw it (raw for tsgi and node:http; path and query of the URL for Bun and Deno). */
  t: string;
  /** [environ key, value] sorted by key. */
  h: [string, string][];
  /** Body, Latin-1 (one char per byte). */
  b: string;
}

/** The environ key of a header name, or null when tsgi would drop it. */
export function environKey(name: string): string | null {
  if (name.includes("_")) return null;
  const upper = name.toUpperCase().replace(/-/g, "_");
  return upper === "CONTENT_TYPE" || upper === "CONTENT_LENGTH" ? upper : "HTTP_" + upper;
}

/** Canonical header list from (name, value) pairs in arrival order, names as sent. */
export function canonicalHeaders(pairs: Iterable<readonly [string, string]>): [string, string][] {
  const keyed: [string, string][] = [];
  for (const [name, value] of pairs) {
    const key = environKey(name);
    if (key !== null) keyed.push([key, value]);
  }
  return canonicalEnviron(keyed);
}

/** Canonical header list from (environ key, value) pairs in arrival order. */
export function canonicalEnviron(pairs: Iterable<readonly [string, string]>): [string, string][] {
  const map = new Map<string, string>();
  for (const [key, value] of pairs) {
    const known = map.get(key);
    map.set(key, known === undefined ? value : known + ", " + value);
  }
  for (const k of ["CONTENT_TYPE", "CONTENT_LENGTH"]) if (map.get(k) === "") map.delete(k);
  return [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Bytes as a Latin-1 string. */
export function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, Array.from(b.subarray(i, i + 4096)));
  return s;
}

/** The X-Echo header value: base64 of JSON with every char above 0x7E escaped (pure ASCII). */
export function encodeEcho(e: Echo): string {
  const json = JSON.stringify(e).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  return btoa(json);
}

export function decodeEcho(v: string): Echo {
  return JSON.parse(atob(v)) as Echo;
}
