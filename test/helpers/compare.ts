// Asking several servers the same raw request and checking they agree: what the adapter tests
// (fromFetch, toFetch) share. Must never hide a difference (every answer is compared, each named).
import { expect } from "vitest";
import { RawClient, type HttpResponse } from "./raw.ts";

/** A server to compare, by the name a failed comparison shows. */
export type Target = { name: string; port: number };

/** Each target's answer to `request` on a fresh connection, reduced by `pick`, by target name. */
export async function askEach(targets: readonly Target[], request: string | Uint8Array, pick: (res: HttpResponse) => object): Promise<Record<string, object>> {
  const out: Record<string, object> = {};
  for (const t of targets) {
    const c = await RawClient.connect(t.port);
    try {
      out[t.name] = pick(await c.request(request));
    } finally {
      c.destroy();
    }
  }
  return out;
}

/** Expects every answer equal to the first (naming the one that differs); returns it. */
export function same(answers: Record<string, object>): object {
  const first = Object.values(answers)[0]!;
  for (const [name, a] of Object.entries(answers)) expect(a, name).toEqual(first);
  return first;
}

/**
 * Runs `starts` two at a time (more servers starting at once on a busy machine can miss the start
 * timeout), adding each started target to `targets`, then sorts them by name so reports are stable.
 */
export async function startTwoAtATime(targets: Target[], starts: readonly (() => Promise<Target>)[]): Promise<void> {
  for (let i = 0; i < starts.length; i += 2) targets.push(...(await Promise.all(starts.slice(i, i + 2).map((start) => start()))));
  targets.sort((a, b) => a.name.localeCompare(b.name));
}
