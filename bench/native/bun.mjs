// Native Bun baseline: Bun.serve serving one bench app's behaviour (hello | big | upload | stream | hono | static),
// the same bytes as bench/apps/*.ts. Usage: bun bench/native/bun.mjs APP [IDLE_SECONDS [sync|async]]
// The async variant (bench/apps/async/*.ts; hono is async in both) uses async handlers that build their headers per response.
// With --workers=N (the bench's workers scenario): N processes, each with Bun.serve and reusePort on
// the same port (the first picks it and starts the others with --port=PORT).
// Listens on 127.0.0.1 with an ephemeral port and prints "listening on http://127.0.0.1:PORT".
// It must never listen beyond 127.0.0.1 nor do more work than the matching tsgi app.
import { asyncFetchHandlers, fetchHandlers } from "./fetch-handlers.mjs";

const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const workers = Number(flag("workers") ?? "1");
const childPort = flag("port");
const [appName = "hello", idle = "120", variant = "sync"] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const STATIC_FILE = new URL("../static/index.html", import.meta.url).pathname;

const handlers = {
  ...fetchHandlers,
  // Bun's own file serving: a Bun.file body (sendfile(2) inside Bun.serve).
  static: () => new Response(Bun.file(STATIC_FILE)),
};

const fetch = (variant === "async" ? asyncFetchHandlers[appName] : undefined) ?? handlers[appName];
if (!fetch) {
  console.error(`unknown app ${appName}`);
  process.exit(2);
}

const server = Bun.serve({ hostname: "127.0.0.1", port: Number(childPort ?? "0"), reusePort: workers > 1, idleTimeout: Math.min(Number(idle), 255), fetch });
if (childPort !== undefined) console.log("child listening");
else {
  for (let i = 1; i < workers; i++) {
    // Another process on the same port; it says when it listens. The bench stops the whole process group.
    const child = Bun.spawn([process.execPath, import.meta.path, ...process.argv.slice(2), `--port=${server.port}`], { stdout: "pipe", stderr: "inherit" });
    await child.stdout.getReader().read();
  }
  console.log(`listening on http://127.0.0.1:${server.port} (native bun${workers > 1 ? `, ${workers} processes with reusePort` : ""})`);
}
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
