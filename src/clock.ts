// The Date header value (RFC 9110 IMF-fixdate), computed at most once per second.
// Must never call Date.now() itself: the caller passes the time it already has.

let lastSecond = -1;
let line = "";

/** "Date: <IMF-fixdate>\r\n" for the given time in ms, cached per whole second. */
export function dateLine(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    line = "Date: " + new Date(second * 1000).toUTCString() + "\r\n";
  }
  return line;
}
