// SIGHUP in a single server process (no supervisor) with --certfile: the TLS files (--certfile,
// --keyfile, --ca-certs) are read again and every TLS listener uses them for the connections it
// accepts from now on; established connections keep theirs. A file that cannot be read, or
// material the runtime refuses, keeps the old certificate, with one line. (With --workers the
// supervisor's SIGHUP starts new workers, which read the files afresh: supervisor.ts.)
// Must never stop the server or read anything but the TLS files.

import type { Listener, Platform } from "../runtimes/driver.ts";
import type { TlsFiles } from "../runtimes/tls.ts";
import { oneLine } from "./load-app.ts";

/** Reloads the certificate of `listener` from `files` on each SIGHUP; `say` writes one error-log line. */
export function reloadTlsOnHup(platform: Platform, files: TlsFiles, listener: Listener, say: (line: string) => void): void {
  const reload = listener.reloadTls;
  if (reload === undefined) return;
  let busy: Promise<void> = Promise.resolve();
  const once = async (): Promise<void> => {
    try {
      // Already loaded: the files were read at start (listen-options.ts).
      const { readTls } = await import("../runtimes/tls-files.ts");
      await reload(readTls(files));
      say(`tsgi: SIGHUP: certificate reloaded from ${files.certfile}; new connections use it`);
    } catch (err) {
      say(`tsgi: error: SIGHUP: keeping the old certificate: ${oneLine(err)}`);
    }
  };
  // One reload at a time: a SIGHUP during a reload waits for it, then reads the files again.
  platform.onSignal("SIGHUP", () => {
    busy = busy.then(once);
  });
}
