// Byte-class tables from RFC 9110/9112 and RFC 3986, as 256-entry lookup arrays for the parser.
// Must never allocate per call: every table is built once at load time (constant, never mutated).

function table(pred: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
}

const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** tchar: the characters of a token (method, field name). */
export const TCHAR = table((c) => isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));

/** Field value characters: VCHAR, obs-text, SP and HTAB. */
export const FIELD_VALUE = table((c) => (c >= 0x21 && c <= 0x7e) || c >= 0x80 || c === 0x20 || c === 0x09);

/** Request-target characters other than '%': unreserved, sub-delims, ":@/?". */
export const TARGET = table((c) => isAlpha(c) || isDigit(c) || "-._~!$&'()*+,;=:@/?".includes(String.fromCharCode(c)));

/** Host characters (reg-name, IPv4, IPv6 literal with brackets, port): unreserved, sub-delims, ":[]%". */
export const HOST = table((c) => isAlpha(c) || isDigit(c) || "-._~!$&'()*+,;=:[]%".includes(String.fromCharCode(c)));

/** True when `s` is a non-empty token (a method, a field name, a coding). */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TCHAR[c] !== 1) return false;
  }
  return true;
}

/**
 * `s` without leading and trailing OWS (RFC 9110 section 5.6.3: SP and HTAB only). Never
 * String.prototype.trim(): it also strips U+00A0 (byte 0xA0 decoded as Latin-1), VT, FF, U+FEFF and
 * more, and a value a front proxy reads as `\xA0chunked` must not be read here as `chunked`.
 */
export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Hex digit values; 255 for a byte that is not a hex digit. */
export const HEX_VALUE = (() => {
  const t = new Uint8Array(256).fill(255);
  for (let c = 0; c < 256; c++) {
    if (isDigit(c)) t[c] = c - 0x30;
    else if (c >= 0x41 && c <= 0x46) t[c] = c - 0x41 + 10;
    else if (c >= 0x61 && c <= 0x66) t[c] = c - 0x61 + 10;
  }
  return t;
})();

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HTAB = 9;
export const COLON = 58;
