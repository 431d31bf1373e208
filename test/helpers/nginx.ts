// A real nginx (Debian's package) for tests: where its binary is, a free loopback port for it, and
// the part of a generated config every test's nginx shares (in the foreground, one process, its own
// pid file, error log and temp dirs under a test's folder). It must never read the machine's own
// nginx configuration or write outside the folder it is given. startNginx runs one as the test's own
// process (stopNginx stops it; the test process kills its children on exit).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { pollUntil } from "./poll.ts";
import { Proc } from "./server.ts";

/** nginx's binary, or null where it is not installed (the tests that need it skip, saying so). */
export const NGINX = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p)) ?? null;

/** A free loopback port for nginx (which cannot report a port the OS chose). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Whether something accepts TCP connections on the loopback port now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ host: "127.0.0.1", port }, () => {
      c.destroy();
      resolve(true);
    });
    c.on("error", () => resolve(false));
  });
}

/** A whole nginx.conf: the shared part (everything under `dir`) around the `http` block's body. */
export function nginxConfig(dir: string, http: string): string {
  return `
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${http}
}
`;
}

/** nginx on `port` passing everything to 127.0.0.1:`upstreamPort` over HTTP/1.1 with an upstream keepalive pool. */
export function keepaliveProxyConfig(dir: string, port: number, upstreamPort: number): string {
  return nginxConfig(
    dir,
    `
  upstream tsgi { server 127.0.0.1:${upstreamPort}; keepalive 8; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://tsgi;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`,
  );
}

/** An nginx the test started (startNginx). */
export interface Nginx {
  proc: Proc;
  port: number;
  /** The text of its error log so far. */
  errorLog(): string;
}

/** nginx on a free loopback port with the config `config(port)` makes; resolves once it accepts. */
export async function startNginx(dir: string, config: (port: number) => string): Promise<Nginx> {
  mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, "error.log");
  const errorLog = (): string => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    writeFileSync(path.join(dir, "nginx.conf"), config(port));
    const proc = new Proc(NGINX!, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", logFile]);
    try {
      await pollUntil(() => accepts(port), (ok) => ok || proc.exitInfo !== null, `nginx on port ${port}`);
    } catch (err) {
      proc.kill();
      throw err;
    }
    if (proc.exitInfo === null) return { proc, port, errorLog };
    // The port was taken between freePort() and nginx's bind: try another one.
    if (attempt >= 2 || !/Address already in use/.test(errorLog())) throw new Error(`nginx did not start: ${proc.stderr.text}\n${errorLog()}`);
  }
}

/** Stops nginx (SIGQUIT: graceful), killing it if it does not exit. */
export async function stopNginx(nginx: Nginx | undefined): Promise<void> {
  if (nginx === undefined) return;
  nginx.proc.kill("SIGQUIT");
  await nginx.proc.waitExit().catch(() => nginx.proc.kill());
}
