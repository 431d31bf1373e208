// The errors fromNodeHandler's req and res throw or report, shaped as node:http's: the same class,
// message and `code`, so framework code that tests `err.code` behaves as on node:http.
// Must only make errors; never decide when to throw them.

function coded<E extends Error>(error: E, code: string): E & { code: string } {
  return Object.assign(error, { code });
}

export const headersSent = (action: string): Error => coded(new Error(`Cannot ${action} headers after they are sent to the client`), "ERR_HTTP_HEADERS_SENT");
export const invalidToken = (name: unknown): TypeError => coded(new TypeError(`Header name must be a valid HTTP token ["${String(name)}"]`), "ERR_INVALID_HTTP_TOKEN");
export const invalidValue = (name: string, value: unknown): TypeError => coded(new TypeError(`Invalid value "${String(value)}" for header "${name}"`), "ERR_HTTP_INVALID_HEADER_VALUE");
export const invalidChar = (name: string): TypeError => coded(new TypeError(`Invalid character in header content ["${name}"]`), "ERR_INVALID_CHAR");
export const invalidStatus = (code: unknown): RangeError => coded(new RangeError(`Invalid status code: ${String(code)}`), "ERR_HTTP_INVALID_STATUS_CODE");
export const invalidArgValue = (what: string): TypeError => coded(new TypeError(`The argument '${what}' is invalid`), "ERR_INVALID_ARG_VALUE");
export const invalidChunk = (): TypeError => coded(new TypeError('The "chunk" argument must be of type string or an instance of Buffer or Uint8Array'), "ERR_INVALID_ARG_TYPE");
export const writeAfterEnd = (): Error => coded(new Error("write after end"), "ERR_STREAM_WRITE_AFTER_END");
export const destroyed = (action: string): Error => coded(new Error(`Cannot call ${action} after a stream was destroyed`), "ERR_STREAM_DESTROYED");
export const alreadyFinished = (action: string): Error => coded(new Error(`Cannot call ${action} after a stream was finished`), "ERR_STREAM_ALREADY_FINISHED");
