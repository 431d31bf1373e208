// Node's Driver: its sockets' listen(), which first refuses a unix socket path too long for this OS
// (listener.ts), and its Platform. Must never hold logic of its own.

import type { Driver } from "../driver.ts";
import { checkingPathLength } from "../listener.ts";
import { listen } from "./sockets.ts";
import { platform } from "./platform.ts";

export const driver: Driver = { listen: checkingPathLength(listen), platform };
