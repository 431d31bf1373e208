// Native Deno baseline: Deno.serve serving one bench app's behaviour (hello | big | upload | stream | hono),
// the same bytes as bench/apps/*.ts. Usage: deno run --allow-net bench/native/deno.mjs APP [sync|async]
// The async variant (bench/apps/async/*.ts; hono is async in both) uses async handlers that build their headers per response.
// (Deno.serve keeps idle keep-alive connections open without a timeout of its own.)
// With --workers=N (the bench's workers scenario; needs --unstable-net --allow-run --allow-read): N processes, each
// with Deno.serve and reusePort (unstable in Deno 2.9, hence --unstable-net) on the same port (the
// first picks it and starts the others with --port=PORT).
// Listens on 127.0.0.1 with an ephemeral port and prints "listening on http://127.0.0.1:PORT".
// It must never listen beyond 127.0.0.1 nor do more work than the matching tsgi app.
import { asyncFetchHandlers, fetchHandlers } from "./fetch-handlers.mjs";

const flag = (name) => Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const workers = Number(flag("workers") ?? "1");
const childPort = flag("port");
const [appName = "hello", variant = "sync"] = Deno.args.filter((a) => !a.startsWith("--"));
const STATIC_FILE = new URL("../static/index.html", import.meta.url);

const handlers = {
  ...fetchHandlers,
  // Deno's own file serving: a file's readable stream as the body (resource-backed), its size as Content-Length.
  async static() {
    const file = await Deno.open(STATIC_FILE);
    const { size } = await file.stat();
    return new Response(file.readable, { headers: { "Content-Type": "text/html", "Content-Length": String(size) } });
  },
};

const handler = (variant === "async" ? asyncFetchHandlers[appName] : undefined) ?? handlers[appName];
if (!handler) {
  console.error(`unknown app ${appName}`);
  Deno.exit(2);
}

const listening = Promise.withResolvers();
Deno.serve(
  {
    hostname: "127.0.0.1",
    port: Number(childPort ?? "0"),
    reusePort: workers > 1,
    onListen: ({ port }) => listening.resolve(port),
  },
  handler,
);
const port = await listening.promise;
if (childPort !== undefined) console.log("child listening");
else {
  for (let i = 1; i < workers; i++) {
    // Another process on the same port; it says when it listens. The bench stops the whole process group.
    const child = new Deno.Command(Deno.execPath(), { args: ["run", "--unstable-net", "--allow-net", "--allow-run", "--allow-read", new URL(import.meta.url).pathname, ...Deno.args, `--port=${port}`], stdout: "piped", stderr: "inherit" }).spawn();
    await child.stdout.getReader().read();
  }
  console.log(`listening on http://127.0.0.1:${port} (native deno${workers > 1 ? `, ${workers} processes with reusePort` : ""})`);
}
for (const signal of ["SIGTERM", "SIGINT"]) Deno.addSignalListener(signal, () => Deno.exit(0));
