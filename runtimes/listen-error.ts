// Turns a runtime's listen failure into the short phrase the CLI prints after
// "cannot listen on ADDRESS: ". Knows Node/Bun error codes and Deno's error class names.
// Must never throw or touch a socket.

const PHRASES: Readonly<Record<string, string>> = {
  EADDRINUSE: "address in use",
  AddrInUse: "address in use",
  EACCES: "permission denied",
  PermissionDenied: "permission denied",
  EADDRNOTAVAIL: "address not available",
  AddrNotAvailable: "address not available",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
};

export function describeListenError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && PHRASES[code] !== undefined) return PHRASES[code];
  const name = err instanceof Error ? err.name : "";
  if (PHRASES[name] !== undefined) return PHRASES[name];
  return err instanceof Error ? err.message : String(err);
}
