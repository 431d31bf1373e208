// Repeat a probe (a request to the server) until its answer satisfies a condition: for state that
// only the server knows (how far an app generator got). Each round waits for a real response, so
// this waits on events, never on a clock; the deadline is only a safety net.
// It must never sleep between rounds.
import { WAIT_MS } from "./raw.ts";

export async function pollUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, ms = WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
  }
}
