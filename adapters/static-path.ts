// Which file a request names, for tsgi/static: PATH_INFO under the mount prefix becomes a list of
// path segments relative to the served folder, or a refusal. Refused: a dot segment (`.` or `..`,
// 404), a NUL, a backslash, or a slash or backslash that was percent-encoded in the request
// (`%2F`, `%5C`: PATH_INFO has them decoded, so tsgi.raw_uri is looked at; 400). Symlinks that
// lead out of the folder are refused later, by static-files.ts, on the resolved path.
// Must never do I/O; a pure function of the request's path.

/** The request is not for this middleware (outside the prefix): the fallback answers. */
export const NOT_MINE = 0;
/** A path no file can have (dot segments, undecodable bytes): 404. */
export const NOT_FOUND = 404;
/** A path that tries to smuggle a separator or NUL: 400. */
export const BAD_PATH = 400;

export type PathVerdict = string[] | typeof NOT_MINE | typeof NOT_FOUND | typeof BAD_PATH;

const UTF8 = new TextDecoder("utf-8", { fatal: true });
const ENCODED_SEPARATOR = /%(2f|5c|00)/i;

/** `prefix` normalised: starts and ends with "/". */
export function normalisePrefix(prefix: string): string {
  let p = prefix.startsWith("/") ? prefix : "/" + prefix;
  if (!p.endsWith("/")) p += "/";
  return p;
}

/**
 * The segments of the file a request names (the last one "" for a path ending in "/": a folder's
 * index), relative to the served folder. `pathInfo` is environ's PATH_INFO (decoded, bytes as
 * Latin-1), `rawUri` its tsgi.raw_uri when the host gives one, `prefix` normalised.
 */
export function requestedPath(pathInfo: string, rawUri: string | undefined, prefix: string): PathVerdict {
  if (!pathInfo.startsWith(prefix)) return NOT_MINE;
  if (rawUri !== undefined) {
    const q = rawUri.indexOf("?");
    if (ENCODED_SEPARATOR.test(q < 0 ? rawUri : rawUri.slice(0, q))) return BAD_PATH;
  }
  const rest = pathInfo.slice(prefix.length);
  if (rest.includes("\0") || rest.includes("\\")) return BAD_PATH;
  let text: string;
  try {
    // PATH_INFO carries the request's bytes as Latin-1; file names are UTF-8.
    text = UTF8.decode(latin1Bytes(rest));
  } catch {
    return NOT_FOUND;
  }
  const segments = text.split("/");
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s === "." || s === "..") return NOT_FOUND;
    if (s === "" && i !== segments.length - 1) return NOT_FOUND; // "//": no such name
  }
  return segments;
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError("not Latin-1");
    out[i] = c;
  }
  return out;
}
