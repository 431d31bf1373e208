// The error a Platform throws when this runtime cannot load a kind of module at all, as it is
// installed (TypeScript on a Node without type stripping and without esbuild). The message is one
// line saying what to install or use; the command line exits 2, as for a bad command line.
// Must never carry anything but that line.

export class UnsupportedModule extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedModule";
  }
}
