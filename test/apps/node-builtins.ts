// Test app: answers with the Node built-in modules this process has loaded so far, one per line
// (Node's process.moduleLoadList, "NativeModule " entries; empty where the runtime keeps no such list).
// It must never load a module itself.
import type { Application } from "../../src/wsgi/types.ts";

const app: Application = (_environ, startResponse) => {
  const list = (process as { moduleLoadList?: string[] }).moduleLoadList ?? [];
  const names = list.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice("NativeModule ".length));
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  return [new TextEncoder().encode(names.join("\n"))];
};

export default app;
