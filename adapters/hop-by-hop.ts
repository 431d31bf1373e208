// Response headers a server owns (RFC 9110 section 7.6.1): the adapters drop them from what a
// framework sets, since startResponse refuses them and the server frames and manages the connection.
// Must only list names, lower-case; never decide anything else.

export const HOP_BY_HOP: ReadonlySet<string> = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade"]);
