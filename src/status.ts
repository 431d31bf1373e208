// Reason phrases for the status codes the server itself sends (RFC 9110 section 15).
// Must never be used to validate an app's status: apps may send any reason phrase.

export const REASONS: Readonly<Record<number, string>> = {
  100: "Continue",
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

export function reasonFor(status: number): string {
  return REASONS[status] ?? "Error";
}
