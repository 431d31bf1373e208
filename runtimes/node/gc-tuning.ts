// V8 tuning for the command line's Node processes, before the app loads: allocation-site
// pretenuring off. V8 allocates the objects of a literal directly in the old generation once most
// of them were seen to survive a scavenge; in a server, a few sites judged so during warm-up (module
// loading, the first requests) make per-request objects old, whose young referents then survive
// every scavenge until a full GC, and so on (a cascade): the process settles, at random, in a state
// where scavenges free little and the heap grows between mark-compacts. Bench `express` on Node
// fell in it in most rounds (and 24115bc in some): CPU per request up to 1.5x.
// Must never override a choice the user made on node's command line, and never run in a process
// the command line does not own (the library entry leaves the embedding process alone).

import { setFlagsFromString } from "node:v8";

/** The flag, as node's command line would carry it (either polarity). */
const PRETENURING = /^--(?:no-)?allocation[-_]site[-_]pretenuring$/;

/**
 * Turns allocation-site pretenuring off unless `execArgv` (node's own options) says anything about
 * it. Returns the V8 flags it set.
 */
export function tuneGc(execArgv: readonly string[] = process.execArgv, set: (flags: string) => void = setFlagsFromString): string[] {
  if (execArgv.some((a) => PRETENURING.test(a))) return [];
  set("--no-allocation-site-pretenuring");
  return ["--no-allocation-site-pretenuring"];
}
