// Unit tests of a sized wsgi.file_wrapper body on a transport that can send files itself
// (Transport.sendFile, as Bun's sendfile, Deno's pipe and Node's read): the driver is asked before
// the head goes out, so a file it will not take (canSendFile false: Deno's small files) leaves with
// its head in one write, and a file it takes is handed over with the head still unwritten, for the
// driver to send first (Node joins them in one write). It must never wait on time: every wait is
// for a transport event.
import { afterEach, expect, test } from "vitest";
import type { Application, FileLike, FileWrapper } from "../../src/wsgi/types.ts";
import type { FileSent, FileToSend } from "../../src/server/transport.ts";
import { type Client, connect, normaliseDate } from "./fake.ts";

const GET = "GET /f HTTP/1.1\r\nHost: a\r\n\r\n";
const HEAD_TEXT = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nDate: X\r\nServer: tsgi\r\n\r\n";
const clients: Client[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.handle.closed();
});

/** A five-byte file at /srv/f as a file-like object, read asynchronously as a real file is. */
function fileLike(): FileLike {
  let left = true;
  return {
    path: "/srv/f",
    size: 5,
    async read(): Promise<Uint8Array> {
      const out = left ? new TextEncoder().encode("hello") : new Uint8Array(0);
      left = false;
      return out;
    },
  };
}

const app: Application = (environ, startResponse) => {
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  return (environ["wsgi.file_wrapper"] as FileWrapper)(fileLike());
};

/**
 * A connection whose transport sends files when `takes` says so (and then declines in sendFile
 * itself when `declines`); the files it was asked to send, and the bytes handed over with each.
 */
function fileClient(takes: boolean, declines = false, debug = true): { client: Client; asked: FileToSend[]; writesBeforeAsk: number[]; queuedWith: string[] } {
  const client = connect(app, { debug });
  clients.push(client);
  const t = client.transport;
  const asked: FileToSend[] = [];
  const writesBeforeAsk: number[] = [];
  const queuedWith: string[] = [];
  const sender = t as typeof t & { sendFile(file: FileToSend, queued: Uint8Array[]): Promise<FileSent> | null; canSendFile(size: number): boolean };
  sender.canSendFile = () => takes;
  sender.sendFile = (file, queued) => {
    asked.push(file);
    writesBeforeAsk.push(t.events.filter((e) => e === "write").length);
    if (declines) return null;
    queuedWith.push(queued.map((q) => new TextDecoder().decode(q)).join(""));
    // the driver's own path puts the head and the file's bytes on the wire, later, in one write
    return Promise.resolve().then(() => {
      t.writev([...queued, new TextEncoder().encode("hello")]);
      return { sent: file.size, direct: file.size, how: "the test's path" };
    });
  };
  return { client, asked, writesBeforeAsk, queuedWith };
}

test("a file the transport will not take is read, and its head leaves with its body in one write", async () => {
  const { client, asked } = fileClient(false);
  client.send(GET);
  await client.transport.untilResponses(1);
  expect(asked).toEqual([]);
  expect(client.transport.events.filter((e) => e === "write")).toHaveLength(1);
  expect(normaliseDate(client.transport.text)).toBe(HEAD_TEXT + "hello");
  expect(client.transport.closed).toBe(false);
});

test("a file the transport takes is sent by it, with its head, which the core did not write", async () => {
  const { client, asked, writesBeforeAsk, queuedWith } = fileClient(true);
  client.send(GET);
  await client.transport.untilResponses(1);
  expect(asked).toEqual([{ path: "/srv/f", offset: 0, size: 5 }]);
  expect(writesBeforeAsk).toEqual([0]);
  expect(queuedWith.map(normaliseDate)).toEqual([HEAD_TEXT]);
  expect(normaliseDate(client.transport.text)).toBe(HEAD_TEXT + "hello");
  // the connection goes on: a second request gets the same answer by the same path
  client.send(GET);
  await client.transport.untilResponses(2);
  expect(writesBeforeAsk).toEqual([0, 1]); // one write per response: head and file together
  expect(queuedWith.map(normaliseDate)).toEqual([HEAD_TEXT, HEAD_TEXT]);
  expect(normaliseDate(client.transport.text)).toBe((HEAD_TEXT + "hello").repeat(2));
  expect(client.transport.closed).toBe(false);
});

test("a transport that declines in sendFile after canSendFile said yes: the core reads the file, and the head still leaves first", async () => {
  const { client, asked } = fileClient(true, true);
  client.send(GET);
  await client.transport.untilResponses(1);
  expect(asked).toHaveLength(1);
  expect(normaliseDate(client.transport.text)).toBe(HEAD_TEXT + "hello");
  expect(client.transport.closed).toBe(false);
});

test("the debug line says how the file went when debug lines are wanted, and is not made otherwise", async () => {
  // A second request is answered only once the first exchange is over (the line comes at its end).
  const wanted = fileClient(true);
  wanted.client.send(GET + GET);
  await wanted.client.transport.untilResponses(2);
  expect(wanted.client.logs).toContain("tsgi: debug: GET /f: 5 of 5 bytes sent from the file, 5 of them by the test's path");
  const unwanted = fileClient(true, false, false);
  unwanted.client.send(GET + GET);
  await unwanted.client.transport.untilResponses(2);
  expect(normaliseDate(unwanted.client.transport.text)).toBe((HEAD_TEXT + "hello").repeat(2));
  expect(unwanted.client.logs.filter((l) => l.startsWith("tsgi: debug"))).toEqual([]);
});
