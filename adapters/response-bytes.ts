// The bytes of a Response whose body was given whole (a string, an ArrayBuffer or a view), read from
// the runtime's own slots of the web-standard Response without making or reading its body stream:
// undici's Symbol(state).body.source (Node), Deno's Symbol(response).body.streamOrStatic and
// Symbol(lazy static body). Which slots a runtime has is learnt once, at load, by probing Responses
// made here; a runtime with none of them (Bun) or a body of any other kind (a stream, a Blob, form
// data) gives undefined, and the caller reads the body stream as before.
// Must never read, lock or cancel a body stream, never touch a runtime API, and never answer for a
// body already used (the caller's stream path then fails as a fetch server does).

type Slots = Record<symbol, unknown>;
/** A body given whole, null for no body at all, undefined when unknown (a stream, a Blob, form data, a body already used). */
type Source = string | Uint8Array | null | undefined;

/** A Response's own symbol-keyed property described as `name`, if it has one. */
function slot(res: Response, name: string): symbol | undefined {
  return Object.getOwnPropertySymbols(res).find((s) => s.description === name);
}

/**
 * Whether a body stream of Node's was read or cancelled (its `[kState].disturbed`, what
 * `res.bodyUsed` asks for at a few times the cost); `res.bodyUsed` itself where that slot is not found.
 */
function disturbedCheck(): (res: Response, stream: unknown) => boolean {
  const probe = new ReadableStream();
  const kState = Object.getOwnPropertySymbols(probe).find((s) => s.description === "kState");
  const slots = probe as unknown as Slots;
  if (kState === undefined || typeof (slots[kState] as { disturbed?: unknown } | undefined)?.disturbed !== "boolean") return (res) => res.bodyUsed;
  return (res, stream) => {
    const state = typeof stream === "object" && stream !== null ? ((stream as Slots)[kState] as { disturbed?: unknown } | undefined) : undefined;
    return state === undefined ? res.bodyUsed : state.disturbed !== false;
  };
}

/** undici (Node): `res[state].body` is `{ stream, source, length }`; source a string or a Uint8Array copy for bytes. */
function undiciSource(state: symbol): (res: Response) => Source {
  const disturbed = disturbedCheck();
  return (res) => {
    const s = (res as unknown as Slots)[state] as { body?: { source?: unknown } | null } | undefined;
    if (s === undefined) return undefined;
    const body = s.body as { source?: unknown; stream?: unknown } | null | undefined;
    if (body === null || body === undefined) return null; // undici leaves it undefined for new Response(null)
    const source = body.source;
    if (typeof source !== "string" && !(source instanceof Uint8Array)) return undefined;
    return disturbed(res, body.stream) ? undefined : source;
  };
}

/** Deno: a body not yet made lives in `res[lazy]`; a made one in `res[response].body.streamOrStatic` as `{ body, consumed }` when static. */
function denoSource(response: symbol, lazy: symbol | undefined): (res: Response) => Source {
  return (res) => {
    const slots = res as unknown as Slots;
    if (lazy !== undefined) {
      const early = slots[lazy];
      if (typeof early === "string" || early instanceof Uint8Array) return early;
    }
    const inner = slots[response] as { body?: { streamOrStatic?: unknown } | null } | undefined;
    if (inner === undefined) return undefined;
    if (inner.body === null) return null;
    const s = inner.body?.streamOrStatic as { body?: unknown; consumed?: unknown } | undefined;
    if (s === undefined || s === null || s.consumed !== false) return undefined;
    const source = s.body;
    if (typeof source !== "string" && !(source instanceof Uint8Array)) return undefined;
    s.consumed = true; // res.bodyUsed says true from now on, as after a read of its stream
    return source;
  };
}

/** The reader of whole bodies for this runtime, checked on probes; null when none works. */
function probe(): ((res: Response) => Source) | null {
  let candidate: ((res: Response) => Source) | null = null;
  try {
    const r = new Response("probe");
    const state = slot(r, "state");
    const response = slot(r, "response");
    if (state !== undefined) candidate = undiciSource(state);
    else if (response !== undefined) candidate = denoSource(response, slot(r, "lazy static body"));
    if (candidate === null) return null;
    // Each kind of body as the runtime keeps it, read back, with its headers made first (as fromFetch does).
    const text = new Response("probé", { status: 201 });
    void text.headers;
    const bytes = new Response(new Uint8Array([1, 2, 3]));
    const stream = new Response(new ReadableStream());
    const cancelled = new Response("cancelled");
    void cancelled.body!.cancel();
    const seen = candidate(text);
    const seenBytes = candidate(bytes);
    const fine =
      (seen === "probé" || (seen instanceof Uint8Array && seen.length === 6)) &&
      seenBytes instanceof Uint8Array &&
      seenBytes.join() === "1,2,3" &&
      candidate(stream) === undefined &&
      candidate(cancelled) === undefined &&
      candidate(new Response(null)) === null;
    return fine ? candidate : null;
  } catch {
    return null;
  }
}

const sourceOf = probe();

/**
 * The whole body of a Response when the runtime shows it was given whole: bytes, or a string (a body
 * chunk the server sends as UTF-8, as the Response would); null when it has no body, undefined when
 * that cannot be known without its stream (call after reading `res.headers`).
 */
export function wholeBody(res: Response): Uint8Array | string | null | undefined {
  return sourceOf === null ? undefined : sourceOf(res);
}

/** Whether this runtime's whole bodies can be read without their stream (for tests). */
export const WHOLE_BODIES = sourceOf !== null;
