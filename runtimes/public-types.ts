// The types every library entry exports (runtimes/index.ts and each <runtime>/index.ts), so that
// they all match the one declaration file package.json's "types" condition names.
// Types only; must never contain behaviour.

export type * from "../src/wsgi/types.ts";
export type { CoreOptions } from "../src/server/options.ts";
export type { Bind } from "./bind.ts";
export type { Driver, ListenOptions, Listener, Platform, RuntimeName } from "./driver.ts";
export type { TlsMaterial } from "./tls.ts";
export type { ServeOptions } from "./serve-with.ts";
