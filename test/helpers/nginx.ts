// A real nginx (Debian's package) for tests: where its binary is, a free loopback port for it, and
// the part of a generated config every test's nginx shares (in the foreground, one process, its own
// pid file, error log and temp dirs under a test's folder). It must never read the machine's own
// nginx configuration or write outside the folder it is given.
import { existsSync } from "node:fs";
import net from "node:net";

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
