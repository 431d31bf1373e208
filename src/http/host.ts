// Syntax of a Host value or an absolute-form authority (RFC 9110 section 7.2, RFC 3986 section 3.2.2):
// reg-name / IPv4 / [IPv6] with an optional :port. Must never resolve or normalise a name.

import { HOST } from "./chars.ts";

/** True when `v` is a valid host with an optional port of digits. */
export function validHost(v: string): boolean {
  let i = 0;
  const n = v.length;
  if (n > 0 && v.charCodeAt(0) === 0x5b) {
    const close = v.indexOf("]");
    if (close < 2) return false;
    for (i = 1; i < close; i++) {
      const c = v.charCodeAt(i);
      if (c > 0xff || HOST[c] !== 1 || c === 0x5b) return false;
    }
    i = close + 1;
    if (i === n) return true;
  } else {
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c === 0x3a) break;
      if (c > 0xff || HOST[c] !== 1 || c === 0x5b || c === 0x5d) return false;
    }
    if (i === n) return true;
  }
  if (v.charCodeAt(i) !== 0x3a) return false;
  for (i++; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
