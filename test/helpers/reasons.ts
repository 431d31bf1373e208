// Reason phrases (RFC 9110 section 15) of the statuses the server generates itself: the tests'
// own oracle, written independently of src/http/error-response.ts on purpose. Must never import from src/.

export const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  408: "Request Timeout",
  413: "Content Too Large",
  414: "URI Too Long",
  417: "Expectation Failed",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};
