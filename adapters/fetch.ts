// The `tsgi/fetch` entry: fromFetch (a fetch handler as a tsgi Application) and toFetch (a tsgi
// Application as a fetch handler). Must only re-export: the work is in from-fetch.ts and to-fetch.ts.

export { fromFetch, type FetchHandler, type FetchInfo, type FromFetchOptions } from "./from-fetch.ts";
export { toFetch, type FetchServeHandler, type ToFetchOptions } from "./to-fetch.ts";
