// The boundary between the sans-I/O core and a runtime driver: what a driver gives the core for each
// connection (Transport), and what the core gives back (ConnectionHandle). Types only.
// Must never contain behaviour or name a runtime API.

/** What the core needs from one accepted socket. Implemented by each driver in runtimes/. */
export interface Transport {
  /**
   * Hand bytes to the socket. The driver must keep every byte (a partial write is finished later)
   * and may keep a reference to `data` until it is written, so the core never reuses a buffer it
   * wrote. Returns false when the driver's outgoing buffer is above its high-water mark: the core
   * then waits for `ConnectionHandle.writable()` before producing more.
   */
  write(data: Uint8Array): boolean;
  /**
   * Hand several buffers over at once, in order, as the fewest writes the runtime can make (one
   * gathered write, or joined copies). Same contract as write() for each buffer; the list itself
   * is the core's again when the call returns (the driver keeps no reference to it).
   */
  writev(parts: readonly Uint8Array[]): boolean;
  /** Write everything already queued, then send FIN and close (lingering to read the peer's FIN). Idempotent. */
  close(): void;
  /** Close the socket now, dropping anything queued. Idempotent. */
  abort(): void;
  /** Stop delivering incoming bytes until resumeReading(). Idempotent. */
  pauseReading(): void;
  /** Deliver incoming bytes again. Idempotent. */
  resumeReading(): void;
  /**
   * Optional: send `queued` (the bytes the core had not yet written: the response head, and any
   * response before it), then `file.size` bytes of the file at `file.path` from `file.offset`, by
   * the runtime's own file path (sendfile, a native pipe, one read joined to the head), after every
   * byte written before. The driver may join `queued` to the file's first bytes; the list is the
   * driver's. Null when this connection cannot (TLS, a range the runtime's path cannot end early,
   * no such path): the driver then wrote nothing, `queued` included, and the core reads the file
   * itself. Otherwise the core writes nothing until the Promise settles; it resolves with the file
   * bytes sent (fewer than asked when the file shrank or the socket closed), and never rejects.
   */
  sendFile?(file: FileToSend, queued: Uint8Array[]): Promise<FileSent> | null;
  /**
   * With sendFile: whether this connection would send a file of `size` bytes by its own path now,
   * decided without writing anything. False keeps the response head queued, so it leaves together
   * with the body the core reads (one write, not two); sendFile may still return null after true.
   */
  canSendFile?(size: number): boolean;
}

/** A stretch of a file on disk, for Transport.sendFile. */
export interface FileToSend {
  readonly path: string;
  readonly offset: number;
  readonly size: number;
}

/** What Transport.sendFile did. */
export interface FileSent {
  /** Body bytes that went out in all. */
  readonly sent: number;
  /** Of those, the bytes that never passed through JavaScript memory. */
  readonly direct: number;
  /** How, for the debug log ("sendfile(2)", "Deno's resource pipe"). */
  readonly how: string;
}

/** Who is on the other end, as the driver learned it on accept. */
export interface PeerInfo {
  remoteAddress: string;
  remotePort: number;
  /** The subject of the client's TLS certificate, when it sent one. */
  peerCert?: string;
}

/** What the driver calls on the core for one connection, from its socket callbacks. */
export interface ConnectionHandle {
  /** Bytes arrived. The core may keep a reference: the driver must not reuse `bytes` afterwards. */
  received(bytes: Uint8Array): void;
  /** The transport's outgoing buffer fell below its mark after write() had returned false. */
  writable(): void;
  /** The peer finished sending (its FIN arrived); the connection may still send. */
  peerFinished(): void;
  /** The socket is gone (closed by either side, or an error). Called once; the last call. */
  closed(): void;
}
