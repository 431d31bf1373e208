// Reading the TLS files the command line names (--certfile, --keyfile, --ca-certs) into the
// TlsMaterial a driver's listener takes, with one line naming the flag and file when one cannot be
// read or holds no PEM. Loaded only where TLS is asked for: it uses node:fs, which Node, Bun and Deno
// all provide (on Deno a node: module enlarges the heap). Must never open a socket.

import { readFileSync } from "node:fs";
import { type TlsFiles, type TlsMaterial, TlsError } from "./tls.ts";

/** Only HTTP/1.1 is spoken; h2 would go first here once it is. */
const ALPN = Object.freeze(["http/1.1"]);

function readPem(flag: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : err instanceof Error ? err.message : String(err);
    throw new TlsError(`${flag} ${path}: cannot read it: ${why}`);
  }
  if (!text.includes("-----BEGIN ")) throw new TlsError(`${flag} ${path}: not a PEM file (no "-----BEGIN" line)`);
  return text;
}

/** Reads the PEM files (once, at start). Throws TlsError naming the flag and file. */
export function readTls(files: TlsFiles): TlsMaterial {
  const cert = readPem("--certfile", files.certfile);
  if (!cert.includes("-----BEGIN CERTIFICATE-----")) throw new TlsError(`--certfile ${files.certfile}: no certificate in it (no "-----BEGIN CERTIFICATE-----" line)`);
  const key = readPem("--keyfile", files.keyfile);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new TlsError(`--keyfile ${files.keyfile}: no private key in it (no "-----BEGIN ... PRIVATE KEY-----" line)`);
  const ca = files.caCerts === undefined ? undefined : readPem("--ca-certs", files.caCerts);
  if (files.certReqs !== "none" && ca === undefined) throw new TlsError(`--cert-reqs ${files.certReqs} needs --ca-certs PATH (the certificates client certificates are verified against)`);
  return { cert, key, ca, certReqs: files.certReqs, alpn: ALPN };
}
