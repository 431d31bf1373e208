// Range requests for tsgi/static (RFC 9110 section 14): a `Range: bytes=...` field against a
// representation of known size becomes the byte ranges to send, "unsatisfiable" (416), or null
// (ignore the field and send the whole representation, as RFC 9110 14.2 allows for anything the
// server does not understand). Overlapping or adjacent ranges are coalesced (14.1.2 allows it), and
// a request with more ranges than MAX_RANGES is answered whole, so a client cannot make one
// request cost many times the file.
// Must never do I/O; a pure function of the field and the size.

/** One byte range, both ends inclusive (as Content-Range writes it). */
export interface ByteRange {
  readonly first: number;
  readonly last: number;
}

export const UNSATISFIABLE = "unsatisfiable";

/** More ranges than this in one request: the Range field is ignored (200 with the whole file). */
export const MAX_RANGES = 64;

const DIGITS = /^[0-9]+$/;

/**
 * The ranges a `Range` field asks of a representation of `size` bytes: sorted and coalesced when
 * they overlap or touch; UNSATISFIABLE when none of them is (416); null to ignore the field (a
 * unit other than bytes, bad syntax, too many ranges, or an empty representation).
 */
export function parseRange(field: string, size: number): ByteRange[] | typeof UNSATISFIABLE | null {
  const eq = field.indexOf("=");
  if (eq < 0) return null;
  if (field.slice(0, eq).trim().toLowerCase() !== "bytes") return null;
  const specs = field.slice(eq + 1).split(",");
  if (specs.length > MAX_RANGES * 2) return null;
  if (size === 0) return null; // nothing to select: send the (empty) representation
  const ranges: ByteRange[] = [];
  let parsed = 0;
  for (const raw of specs) {
    const spec = raw.trim();
    if (spec === "") continue; // RFC 9110 5.6.1: empty list elements are ignored
    parsed++;
    const dash = spec.indexOf("-");
    if (dash < 0) return null;
    const a = spec.slice(0, dash);
    const b = spec.slice(dash + 1);
    if (a === "") {
      // suffix-range: the last N bytes
      if (!DIGITS.test(b)) return null;
      const n = Number(b);
      if (n === 0) continue; // unsatisfiable on its own
      ranges.push({ first: Math.max(0, size - n), last: size - 1 });
      continue;
    }
    if (!DIGITS.test(a) || (b !== "" && !DIGITS.test(b))) return null;
    const first = Number(a);
    if (b !== "" && Number(b) < first) return null; // RFC 9110 14.1.1: invalid, so the whole field is ignored
    const last = b === "" ? size - 1 : Number(b);
    if (first >= size) continue; // unsatisfiable on its own
    ranges.push({ first, last: Math.min(last, size - 1) });
  }
  if (parsed === 0) return null;
  if (ranges.length === 0) return UNSATISFIABLE;
  const merged = coalesce(ranges);
  return merged.length > MAX_RANGES ? null : merged;
}

/** Sorted by start, overlapping or adjacent ranges merged. */
function coalesce(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length === 1) return ranges;
  const sorted = [...ranges].sort((x, y) => x.first - y.first);
  const out: ByteRange[] = [];
  let cur = sorted[0]!;
  for (let i = 1; i < sorted.length; i++) {
    const r = sorted[i]!;
    if (r.first <= cur.last + 1) cur = { first: cur.first, last: Math.max(cur.last, r.last) };
    else {
      out.push(cur);
      cur = r;
    }
  }
  out.push(cur);
  return out;
}
