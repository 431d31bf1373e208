// The ListenOptions of a command line: its listening settings with the TLS files read. Shared by a
// single server (main.ts) and a worker (worker.ts). Must never listen or load the app.

import type { ListenOptions } from "../runtimes/driver.ts";
import type { RunArgs } from "./parse.ts";
import { Fatal, oneLine } from "./load-app.ts";

/** The options to listen with; a TLS file that cannot be read or used is Fatal (exit 2). */
export async function listenOptions(args: RunArgs): Promise<ListenOptions> {
  const { tls: tlsFiles, ...rest } = args.listen;
  const options: ListenOptions = { ...rest };
  if (tlsFiles === undefined) return options;
  // Loaded only with --certfile: a server without TLS never loads node:fs for it (a smaller heap on Deno).
  const { readTls } = await import("../runtimes/tls-files.ts");
  try {
    options.tls = readTls(tlsFiles);
  } catch (err) {
    throw new Fatal(oneLine(err), 2);
  }
  return options;
}

