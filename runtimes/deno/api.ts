// The few Deno APIs the Deno driver uses, declared here: tsc runs with Bun and Node types only.
// Types only; must never contain behaviour.

import type { ControlSignal, SignalName } from "../driver.ts";

export interface DenoNetAddr {
  transport: string;
  hostname?: string;
  port?: number;
  path?: string;
}

export interface DenoConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  readonly remoteAddr: DenoNetAddr;
  setNoDelay?(noDelay?: boolean): void;
  /** A resource-backed stream: a resource-backed readable piped into it stays in Rust (op_pipe). */
  readonly writable?: WritableStream<Uint8Array>;
}

/** A file opened for reading (Deno.FsFile). */
export interface DenoReadFile {
  readonly readable: ReadableStream<Uint8Array>;
  /** whence 0: from the start. */
  seek(offset: number, whence: 0): Promise<number>;
  close(): void;
}

export interface DenoListener {
  accept(): Promise<DenoConn>;
  close(): void;
  readonly addr: DenoNetAddr;
}

export interface DenoStdStream {
  write(p: Uint8Array): Promise<number>;
  isTerminal(): boolean;
}

export interface DenoFile {
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

export interface DenoOpenOptions {
  append: true;
  create: true;
  mode: number;
}

export interface DenoApi {
  openSync(path: string, options: DenoOpenOptions): DenoFile;
  open(path: string, options: DenoOpenOptions): Promise<DenoFile>;
  open(path: string, options: { read: true }): Promise<DenoReadFile>;
  readonly pid: number;
  listen(options: { hostname: string; port: number; transport?: "tcp"; reusePort?: boolean } | { path: string; transport: "unix" }): DenoListener;
  listenTls(options: { hostname: string; port: number; transport?: "tcp"; cert: string; key: string; alpnProtocols?: string[]; reusePort?: boolean }): DenoListener;
  readonly args: string[];
  cwd(): string;
  statSync(path: string): { isFile: boolean; size: number };
  removeSync(path: string): void;
  readonly stdout: DenoStdStream;
  readonly stderr: DenoStdStream;
  readonly errors: { readonly NotCapable: ErrorConstructor; readonly PermissionDenied: ErrorConstructor };
  exit(code?: number): never;
  addSignalListener(signal: SignalName | ControlSignal | "SIGUSR1", handler: () => void): void;
  execPath(): string;
  /** The file: URL of the main module (serve.ts). */
  readonly mainModule: string;
  readonly permissions: { querySync(descriptor: { name: string }): { state: "granted" | "prompt" | "denied" } };
}

/** The Deno global, as far as the driver uses it. */
export const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
