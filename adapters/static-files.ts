// The file system side of tsgi/static: the served folder's real path, a requested file resolved
// inside it (symlinks followed, and refused when they lead out of the folder), its precompressed
// siblings, and a file opened for reading in blocks. Uses node:fs/promises, which Bun, Deno and Node
// all provide: the one room of adapters/ that does I/O, and only to read files.
// Must never open a path it has not checked to be inside the folder, and never read a whole file
// into memory.

import { open, realpath, stat, type FileHandle } from "node:fs/promises";
import { sep } from "node:path";
import { ENCODINGS, type Encoding, SUFFIX } from "./static-encoding.ts";

/** A regular file inside the folder, as found on disk. */
export interface FoundFile {
  /** Its real path (symlinks resolved). */
  readonly path: string;
  readonly size: number;
  /** Modification time, ms since the epoch. */
  readonly mtimeMs: number;
  /** Its inode and device: part of the ETag, so a replaced file of the same size and time differs. */
  readonly ino: number;
}

/** The served folder: its real path, resolved once. */
export class Folder {
  private root: Promise<string> | null = null;

  constructor(private readonly dir: string) {}

  /** The folder's real path (rejects when it does not exist). */
  realRoot(): Promise<string> {
    return (this.root ??= realpath(this.dir));
  }

  /**
   * The regular file at `segments` below the folder, or null when there is none, it is not a
   * regular file, or its real path is outside the folder (a symlink out). A last segment ""
   * names the folder's `index` file.
   */
  async find(segments: readonly string[], index: string | null): Promise<FoundFile | null> {
    const root = await this.realRoot();
    let rel = segments.join("/");
    if (segments[segments.length - 1] === "") {
      if (index === null) return null;
      rel += index;
    }
    return this.resolve(root, root + sep + rel);
  }

  /** The precompressed siblings of `file` that exist (each resolved and checked as the file is). */
  async siblings(file: FoundFile): Promise<Map<Encoding, FoundFile>> {
    const root = await this.realRoot();
    const out = new Map<Encoding, FoundFile>();
    const found = await Promise.all(ENCODINGS.map((enc) => this.resolve(root, file.path + SUFFIX[enc])));
    for (let i = 0; i < ENCODINGS.length; i++) if (found[i] !== null) out.set(ENCODINGS[i]!, found[i]!);
    return out;
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
      return { path: real, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
    } catch {
      return null;
    }
  }
}

/** Opens a found file for reading; null when it vanished meanwhile. */
export async function openFile(file: FoundFile): Promise<FileHandle | null> {
  try {
    return await open(file.path, "r");
  } catch {
    return null;
  }
}
