// The fields the server adds to every response it sends: Date (RFC 9110 section 6.6.1, IMF-fixdate)
// and Server (section 10.2.4), pre-encoded and rebuilt at most once per second.
// Must never read the clock itself (callers pass the time they already have) and never be shared
// between servers (each has its own Server value).

import { encodeLatin1 } from "./bytes.ts";

export class ServerFields {
  private second = -1;
  private dateAndServer: Uint8Array = new Uint8Array(0);
  private dateOnly: Uint8Array = new Uint8Array(0);
  private readonly serverOnly: Uint8Array | null;

  /** `server`: the Server field's value; "" sends none. */
  constructor(server: string) {
    this.serverOnly = server === "" ? null : encodeLatin1(`Server: ${server}\r\n`);
  }

  /** The Date and/or Server field lines for time `nowMs`, or null for neither. */
  get(nowMs: number, withDate: boolean, withServer: boolean): Uint8Array | null {
    if (!withDate) return withServer ? this.serverOnly : null;
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.second = second;
      const date = "Date: " + new Date(second * 1000).toUTCString() + "\r\n";
      this.dateOnly = encodeLatin1(date);
      if (this.serverOnly === null) this.dateAndServer = this.dateOnly;
      else {
        this.dateAndServer = new Uint8Array(this.dateOnly.length + this.serverOnly.length);
        this.dateAndServer.set(this.dateOnly, 0);
        this.dateAndServer.set(this.serverOnly, this.dateOnly.length);
      }
    }
    return withServer ? this.dateAndServer : this.dateOnly;
  }
}
