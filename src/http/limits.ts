// The size limits the request parser enforces. Types only: the server's options carry the values.
// Must never contain behaviour.

export interface HeadLimits {
  /** Longest request line (method, target, version). Past it: 414. */
  readonly maxRequestLine: number;
  /** Largest request head (request line plus header fields). Past it: 431. */
  readonly maxHeadSize: number;
  /** Most header fields in one request (trailer fields count too). Past it: 431. */
  readonly maxHeaderCount: number;
  /** Largest request body, framed either way. Past it: 413. */
  readonly maxBodySize: number;
}
