// A small LAN of Linux network namespaces for the many-hosts test: one "lb" namespace holding a
// bridge, and N "host" namespaces, each joined to the bridge by a veth pair, with addresses from
// 198.18.0.0/15 (RFC 2544's benchmark range). Every interface is made inside a namespace made here,
// so removing the namespaces removes everything; nothing is added to the machine's own namespace.
// Names start with `tsgi-hosts-<pid>-`, so leftovers of a crashed run (its pid gone) are found and
// removed by name. It must never touch a namespace or process it did not make, and never send to
// an address before `addressIn` found it in one of its namespaces.
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The prefix of every namespace made here (other tests use other prefixes). */
export const PREFIX = "tsgi-hosts-";

export const IP = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].find((p) => existsSync(p)) ?? null;

/** Why namespaces cannot be made here (not root, no `ip`, no netns support), or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.platform !== "linux") return `not Linux (${process.platform})`;
  if (IP === null) return "no `ip` binary (apt-get install iproute2)";
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "not root (network namespaces need CAP_NET_ADMIN)";
  const probe = `${PREFIX}${process.pid}-probe`;
  try {
    execFileSync(IP, ["netns", "add", probe], { stdio: "pipe" });
    execFileSync(IP, ["netns", "delete", probe], { stdio: "pipe" });
    return null;
  } catch (err) {
    return `\`ip netns add\` failed: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || String(err)}`;
  }
}

async function ip(...args: string[]): Promise<string> {
  return (await run(IP!, args)).stdout;
}

/** The namespaces that exist now. */
async function namespaces(): Promise<string[]> {
  return (await ip("netns", "list")).split("\n").map((l) => l.trim().split(/\s+/)[0] ?? "").filter((n) => n !== "");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Kill what still runs in namespace `ns` (by pid, as `ip netns pids` lists them) and delete it. */
async function removeNamespace(ns: string): Promise<void> {
  const pids = (await ip("netns", "pids", ns).catch(() => "")).split("\n").map(Number).filter((p) => p > 0);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  await ip("netns", "delete", ns).catch(() => undefined);
}

/** Remove the namespaces of earlier runs of this test whose process is gone (a crashed run). */
export async function removeLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  for (const ns of await namespaces()) {
    const m = /^tsgi-hosts-(\d+)-/.exec(ns);
    if (m === null || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    await removeNamespace(ns);
    removed.push(ns);
  }
  return removed;
}

/** Whether `address` is configured on an interface of namespace `ns` (`ip -n NS addr show`). */
export async function addressIn(ns: string, address: string): Promise<boolean> {
  const shown = JSON.parse(await ip("-j", "-n", ns, "addr", "show")) as { addr_info?: { local?: string }[] }[];
  return shown.some((link) => (link.addr_info ?? []).some((a) => a.local === address));
}

/** Whether the machine's own namespace (the one this process is in) has `address`. */
export async function addressOnMachine(address: string): Promise<boolean> {
  const shown = JSON.parse(await ip("-j", "addr", "show")) as { addr_info?: { local?: string }[] }[];
  return shown.some((link) => (link.addr_info ?? []).some((a) => a.local === address));
}

export interface Host {
  ns: string;
  address: string;
}

/** A bridge in namespace `lb` (address 198.18.0.1) and hosts 198.18.0.2, .3, ... on it. */
export class Lan {
  readonly lb: string;
  readonly lbAddress = "198.18.0.1";
  readonly hosts: Host[];
  private made: string[] = [];

  constructor(tag: string, count: number) {
    const base = `${PREFIX}${process.pid}-${tag}`;
    this.lb = `${base}-lb`;
    this.hosts = Array.from({ length: count }, (_, i) => ({ ns: `${base}-h${i + 1}`, address: `198.18.0.${i + 2}` }));
  }

  /** Make the namespaces, the bridge and the veth pairs; on failure, remove what was made. */
  async make(): Promise<void> {
    try {
      await this.addNamespace(this.lb);
      await ip("-n", this.lb, "link", "add", "br0", "type", "bridge");
      await ip("-n", this.lb, "addr", "add", `${this.lbAddress}/24`, "dev", "br0");
      await ip("-n", this.lb, "link", "set", "br0", "up");
      for (const [i, host] of this.hosts.entries()) {
        await this.addNamespace(host.ns);
        const port = `v${i + 1}`;
        await ip("-n", this.lb, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", host.ns);
        await ip("-n", this.lb, "link", "set", port, "master", "br0");
        await ip("-n", this.lb, "link", "set", port, "up");
        await ip("-n", host.ns, "addr", "add", `${host.address}/24`, "dev", "eth0");
        await ip("-n", host.ns, "link", "set", "eth0", "up");
      }
    } catch (err) {
      await this.remove();
      throw err;
    }
  }

  private async addNamespace(ns: string): Promise<void> {
    await ip("netns", "add", ns);
    this.made.push(ns);
    await ip("-n", ns, "link", "set", "lo", "up");
  }

  /** Check that `address` lives in namespace `ns` of this LAN and not on the machine itself; throw otherwise. */
  async mustOwn(ns: string, address: string): Promise<void> {
    if (!this.made.includes(ns)) throw new Error(`namespace ${ns} was not made by this test`);
    if (!(await addressIn(ns, address))) throw new Error(`address ${address} is not in namespace ${ns}: not sending to it`);
    if (address !== "127.0.0.1" && (await addressOnMachine(address))) throw new Error(`address ${address} is also on the machine's own namespace: not sending to it`);
  }

  /** The command line that runs `file argv` inside namespace `ns`. */
  exec(ns: string, file: string, argv: string[]): { file: string; argv: string[] } {
    return { file: IP!, argv: ["netns", "exec", ns, file, ...argv] };
  }

  /** Kill whatever still runs in the namespaces and delete them (interfaces go with them). */
  async remove(): Promise<void> {
    for (const ns of this.made.reverse()) await removeNamespace(ns);
    this.made = [];
  }
}
