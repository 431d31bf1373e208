// The lingering close every driver applies after sending its FIN: keep reading (and discarding)
// until the peer's FIN, because closing with unread bytes makes the kernel send a reset that can
// destroy the response still in flight (a 413 to a client that is still uploading, say).
// Policy only: each driver owns its timers and sockets. Must never touch a socket itself.

/** Close once nothing has arrived for this long... */
export const LINGER_QUIET_MS = 300;
/** ...or after this long in all. */
export const LINGER_MAX_MS = 2000;

/** Milliseconds left to linger at `now`; zero or less means close now. */
export function lingerLeft(lastInput: number, lingerStart: number, now: number): number {
  return Math.min(lastInput + LINGER_QUIET_MS - now, lingerStart + LINGER_MAX_MS - now);
}
