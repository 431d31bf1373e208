// The listening part of the command line and what the core makes of it, without a socket: -b given
// several times, fd://N, the TLS options and their usage errors, octal modes (cli/parse.ts,
// runtimes/bind.ts); a certificate subject as one line (runtimes/tls.ts); each listener's Site and
// a connection's facts (src/server/site.ts): per-listener SERVER_NAME/SERVER_PORT, HTTPS, empty
// REMOTE_* on a unix socket, IPv4-mapped peers as plain IPv4.
import { describe, expect, test } from "vitest";
import { parseBind } from "../../runtimes/bind.ts";
import { subjectText } from "../../runtimes/tls.ts";
import { UsageError, parseArgs, type RunArgs } from "../../cli/parse.ts";
import { connectionFacts, makeSite } from "../../src/server/site.ts";
import { resolveOptions } from "../../src/server/options.ts";

const run = (argv: string[]) => parseArgs(argv) as RunArgs;

describe("-b and the listening options", () => {
  test("-b may be repeated: every address, in order; the first is `bind`", () => {
    const r = run(["app.ts", "-b", "127.0.0.1:0", "-b", "unix:/tmp/a.sock", "--bind=[::1]:8000", "-b", "fd://3"]);
    expect(r.binds).toEqual([
      { kind: "tcp", host: "127.0.0.1", port: 0 },
      { kind: "unix", path: "/tmp/a.sock" },
      { kind: "tcp", host: "::1", port: 8000 },
      { kind: "fd", fd: 3 },
    ]);
    expect(r.bind).toEqual(r.binds[0]);
  });

  test("no -b: the default address alone", () => {
    expect(run(["app.ts"]).binds).toEqual([{ kind: "tcp", host: "127.0.0.1", port: 8888 }]);
  });

  test("fd://N takes a number only", () => {
    expect(parseBind("fd://0")).toEqual({ kind: "fd", fd: 0 });
    expect(() => parseBind("fd://x")).toThrow(/expected fd:\/\/N/);
    expect(() => parseBind("fd://")).toThrow(/expected fd:\/\/N/);
  });

  test("--umask and --socket-mode are octal (660, 0660, 0o660); anything else is a usage error", () => {
    expect(run(["app.ts", "--umask", "077", "--socket-mode", "0o660"]).listen).toMatchObject({ umask: 0o77, socketMode: 0o660 });
    expect(run(["app.ts", "--socket-mode", "600"]).listen.socketMode).toBe(0o600);
    for (const bad of ["8", "0x1ff", "1777", "rw", ""]) expect(() => run(["app.ts", "--socket-mode", bad])).toThrow(UsageError);
  });

  test("--backlog is a whole number of at least 1", () => {
    expect(run(["app.ts", "--backlog", "2048"]).listen.backlog).toBe(2048);
    expect(() => run(["app.ts", "--backlog", "0"])).toThrow(UsageError);
  });

  test("TLS options: both files, then --ca-certs and --cert-reqs; the ones missing their partner are usage errors", () => {
    expect(run(["app.ts", "--certfile", "c.pem", "--keyfile", "k.pem"]).listen.tls).toEqual({ certfile: "c.pem", keyfile: "k.pem", caCerts: undefined, certReqs: "none" });
    expect(run(["app.ts", "--certfile", "c.pem", "--keyfile", "k.pem", "--ca-certs", "ca.pem", "--cert-reqs", "optional"]).listen.tls).toMatchObject({ caCerts: "ca.pem", certReqs: "optional" });
    expect(() => run(["app.ts", "--certfile", "c.pem"])).toThrow("--certfile needs --keyfile PATH");
    expect(() => run(["app.ts", "--keyfile", "k.pem"])).toThrow("--keyfile needs --certfile PATH");
    expect(() => run(["app.ts", "--ca-certs", "ca.pem"])).toThrow("--ca-certs needs --certfile and --keyfile");
    expect(() => run(["app.ts", "--certfile", "c.pem", "--keyfile", "k.pem", "--cert-reqs", "required"])).toThrow("--cert-reqs required needs --ca-certs PATH");
    expect(() => run(["app.ts", "--certfile", "c.pem", "--keyfile", "k.pem", "--cert-reqs", "maybe"])).toThrow("expected one of none, optional, required");
    expect(() => run(["app.ts", "--certfile", "a", "--certfile", "b", "--keyfile", "k"])).toThrow("--certfile given twice");
  });
});

describe("subjectText", () => {
  test("attributes in the certificate's order, repeated ones each, special characters escaped", () => {
    expect(subjectText({ C: "DE", O: "Example, Inc.", OU: ["a", "b=c"], CN: "client" })).toBe("C=DE,O=Example\\, Inc.,OU=a,OU=b\\=c,CN=client");
    expect(subjectText({})).toBeUndefined();
    expect(subjectText(undefined)).toBeUndefined();
  });
});

describe("Site and connection facts", () => {
  const o = resolveOptions({ scriptName: "/app", runtime: "node" });

  test("each listener has its own SERVER_NAME and SERVER_PORT; TLS gives https and HTTPS", () => {
    expect(makeSite(o, { serverName: "::", serverPort: "8443", tls: true })).toMatchObject({ serverName: "::", serverPort: "8443", urlScheme: "https", https: true, scriptName: "/app", unix: false });
    expect(makeSite(o, { serverName: "/run/a.sock", serverPort: "", unix: true })).toMatchObject({ urlScheme: "http", https: false, unix: true });
  });

  test("a unix socket's peers have empty REMOTE_ADDR and REMOTE_PORT, never a made-up 0", () => {
    const site = makeSite(o, { serverName: "/run/a.sock", serverPort: "", unix: true });
    expect(connectionFacts(site, { remoteAddress: "", remotePort: 0 })).toEqual({ remoteAddress: "", remotePort: "", peerCert: null });
  });

  test("an IPv4 client of a dual-stack listener is plain IPv4; IPv6 peers are as they are; the certificate subject is kept", () => {
    const site = makeSite(o, { serverName: "::", serverPort: "80" });
    expect(connectionFacts(site, { remoteAddress: "::ffff:192.0.2.1", remotePort: 5 })).toEqual({ remoteAddress: "192.0.2.1", remotePort: "5", peerCert: null });
    expect(connectionFacts(site, { remoteAddress: "::ffff:c000:201", remotePort: 5 }).remoteAddress).toBe("::ffff:c000:201");
    expect(connectionFacts(site, { remoteAddress: "2001:db8::1", remotePort: 6, peerCert: "CN=x" })).toEqual({ remoteAddress: "2001:db8::1", remotePort: "6", peerCert: "CN=x" });
  });
});
