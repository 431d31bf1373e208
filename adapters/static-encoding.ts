// Content negotiation for tsgi/static's precompressed siblings (RFC 9110 12.5.3): which of the
// encodings a file has on disk (`.br`, `.gz`) an `Accept-Encoding` field allows, by q-value, br
// before gzip when they tie. `*` covers encodings not named; `identity` is always available, so
// a client that refuses every sibling gets the file as it is.
// Must never do I/O; a pure function of the field and the encodings on offer.

export type Encoding = "br" | "gzip";

/** The order siblings are preferred in when their q-values tie. */
export const ENCODINGS: readonly Encoding[] = ["br", "gzip"];

/** The file name suffix of each encoding's sibling. */
export const SUFFIX: Readonly<Record<Encoding, string>> = { br: ".br", gzip: ".gz" };

/** Each coding's q-value in an Accept-Encoding field (names lower-cased; `x-gzip` counts as gzip). */
export function acceptedCodings(field: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of field.split(",")) {
    const parts = item.split(";");
    let name = parts[0]!.trim().toLowerCase();
    if (name === "") continue;
    if (name === "x-gzip") name = "gzip";
    let q = 1;
    for (let i = 1; i < parts.length; i++) {
      const p = parts[i]!.trim();
      const eq = p.indexOf("=");
      if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== "q") continue;
      const v = p.slice(eq + 1).trim();
      q = /^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/.test(v) ? Number(v) : 0; // a malformed weight refuses
    }
    // A coding named twice keeps its highest weight.
    out.set(name, Math.max(out.get(name) ?? 0, q));
  }
  return out;
}

/**
 * The encoding to send among `available` (siblings that exist), or null for the file as it is.
 * `field` is the request's Accept-Encoding, undefined when absent (then: no encoding, RFC 9110
 * 12.5.3 lets a server assume any, but an absent field is most often a client that cannot decode).
 */
export function chooseEncoding(field: string | undefined, available: readonly Encoding[]): Encoding | null {
  if (field === undefined || available.length === 0) return null;
  const accepted = acceptedCodings(field);
  const star = accepted.get("*");
  let best: Encoding | null = null;
  let bestQ = 0;
  for (const enc of ENCODINGS) {
    if (!available.includes(enc)) continue;
    const q = accepted.get(enc) ?? star ?? 0;
    if (q > bestQ) {
      best = enc;
      bestQ = q;
    }
  }
  if (best === null) return null;
  // identity named with a higher weight than the best sibling: send the file as it is. (Not named,
  // it is merely acceptable (RFC 9110 12.5.3) and does not outweigh a coding the client asked for.)
  const identity = accepted.get("identity");
  return identity !== undefined && identity > bestQ ? null : best;
}
