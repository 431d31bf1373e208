// TLS settings shared by the drivers: what the command line names and what a listener is given,
// the error that makes a bad key or certificate one line and exit status 2, and a certificate
// subject as one line of text (reading the files is tls-files.ts). Must never open a socket, read a
// file or name a runtime's own API; each driver hands the material to its runtime's own TLS listener.

/** Whether a client certificate is asked for: not at all, verified when sent, or required (and verified). */
export type CertReqs = "none" | "optional" | "required";

export const CERT_REQS: readonly CertReqs[] = ["none", "optional", "required"];

/** What the command line names. */
export interface TlsFiles {
  certfile: string;
  keyfile: string;
  caCerts?: string;
  certReqs: CertReqs;
}

/** The PEM texts a driver gives its runtime's TLS listener. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** Certificates client certificates are verified against (--ca-certs). */
  readonly ca?: string;
  readonly certReqs: CertReqs;
  /** ALPN protocols offered, most preferred first. */
  readonly alpn: readonly string[];
}

/** A key or certificate that cannot be read or used; the command line prints it as one line and exits 2. */
export class TlsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TlsError";
  }
}

/** What Node's and Bun's TLS listeners both take for `material` (each adds ALPN in its own form). */
export function listenerTls(material: TlsMaterial): { key: string; cert: string; ca: string | undefined; requestCert: boolean; rejectUnauthorized: boolean } {
  return { key: material.key, cert: material.cert, ca: material.ca, requestCert: material.certReqs !== "none", rejectUnauthorized: material.certReqs === "required" };
}

/** The error for key and certificate text the runtime's TLS refused. */
export function tlsRefused(err: unknown): TlsError {
  const why = err instanceof Error ? err.message : String(err);
  return new TlsError(`the certificate or key cannot be used: ${why.split("\n")[0]}`);
}

function escapeDn(value: string): string {
  return value.replace(/[\\,=+<>#;"]/g, (c) => `\\${c}`);
}

/**
 * A certificate subject as node:tls and Bun report it (`{ C: "DE", O: "Example", CN: "client" }`,
 * an array for a repeated attribute) as one line: `C=DE,O=Example,CN=client`, attributes in the
 * certificate's order, `\` before `,`, `=`, `+` and the like in values. Undefined when there is none.
 */
export function subjectText(subject: unknown): string | undefined {
  if (subject === null || typeof subject !== "object") return undefined;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(subject as Record<string, unknown>)) {
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === "string") parts.push(`${key}=${escapeDn(v)}`);
  }
  return parts.length === 0 ? undefined : parts.join(",");
}
