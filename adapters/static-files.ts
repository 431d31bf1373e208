// The file system side of tsgi/static: the served folder's real path, a requested file resolved
// inside it (symlinks followed, and refused when they lead out of the folder) with its precompressed
// siblings, remembered for a second (like nginx's open_file_cache), and a stretch of a file opened
// for reading only when it is first read. Uses node:fs/promises, which Bun, Deno and Node all
// provide: the one room of adapters/ that does I/O, and only to read files.
// Must never open a path it has not checked to be inside the folder, and never read a whole file
// into memory.

import { open, realpath, stat } from "node:fs/promises";
import { sep } from "node:path";
import { ENCODINGS, type Encoding, SUFFIX } from "./static-encoding.ts";

/** A regular file inside the folder, as found on disk. */
export interface FoundFile {
  /** Its real path (symlinks resolved). */
  readonly path: string;
  readonly size: number;
  /** Modification time, ms since the epoch. */
  readonly mtimeMs: number;
  /** Its inode: part of the ETag, so a replaced file of the same size and time differs. */
  readonly ino: number;
}

/** A requested name as found: the file and its precompressed siblings. */
export interface Lookup {
  readonly file: FoundFile;
  readonly siblings: ReadonlyMap<Encoding, FoundFile>;
}

/** How long a lookup is trusted (a file changed meanwhile is seen at most this late). */
export const LOOKUP_TTL_MS = 1000;
/** Lookups remembered at most (the map is cleared when full). */
const LOOKUP_MAX = 1024;

/** The served folder: its real path, resolved once, and its recent lookups. */
export class Folder {
  private root: Promise<string> | null = null;
  private readonly recent = new Map<string, { at: number; found: Lookup | null }>();

  constructor(private readonly dir: string) {}

  /** The folder's real path (rejects when it does not exist). */
  realRoot(): Promise<string> {
    return (this.root ??= realpath(this.dir));
  }

  /**
   * The regular file at `segments` below the folder with its siblings (when `siblings`), or null
   * when there is none, it is not a regular file, or its real path is outside the folder (a
   * symlink out). A last segment "" names the folder's `index` file.
   */
  async find(segments: readonly string[], index: string | null, siblings: boolean): Promise<Lookup | null> {
    let rel = segments.join("/");
    if (segments[segments.length - 1] === "") {
      if (index === null) return null;
      rel += index;
    }
    const now = Date.now();
    const hit = this.recent.get(rel);
    if (hit !== undefined && now - hit.at < LOOKUP_TTL_MS) return hit.found;
    const root = await this.realRoot();
    const file = await this.resolve(root, root + sep + rel);
    let found: Lookup | null = null;
    if (file !== null) {
      const near = new Map<Encoding, FoundFile>();
      if (siblings) {
        const all = await Promise.all(ENCODINGS.map((enc) => this.resolve(root, file.path + SUFFIX[enc])));
        for (let i = 0; i < ENCODINGS.length; i++) if (all[i] !== null) near.set(ENCODINGS[i]!, all[i]!);
      }
      found = { file, siblings: near };
    }
    if (this.recent.size >= LOOKUP_MAX) this.recent.clear();
    this.recent.set(rel, { at: now, found });
    return found;
  }

  private async resolve(root: string, candidate: string): Promise<FoundFile | null> {
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      return null;
    }
    if (!real.startsWith(root + sep)) return null; // a symlink that leads out of the folder (or the folder itself)
    try {
      const st = await stat(real);
      if (!st.isFile()) return null;
      return { path: real, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino ?? 0 };
    } catch {
      return null;
    }
  }
}

/** The part of node:fs/promises' FileHandle that reading needs. */
export interface ReadHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/** A file opened on first use (a server that sends the file itself never needs it opened here). */
export class LazyFile {
  private handle: Promise<ReadHandle> | null = null;
  private closed = false;

  constructor(readonly path: string) {}

  /** Reads into `buffer` at `position`; a file that can no longer be opened reads as empty (the body ends short). */
  async read(buffer: Uint8Array, length: number, position: number): Promise<number> {
    if (this.closed) return 0;
    this.handle ??= open(this.path, "r");
    try {
      const { bytesRead } = await (await this.handle).read(buffer, 0, length, position);
      return bytesRead;
    } catch {
      return 0;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const h = this.handle;
    if (h === null) return;
    try {
      await (await h).close();
    } catch {
      // it never opened
    }
  }
}
