// vitest setup file: after every test, destroy the raw client sockets it left open, so a failed
// test cannot keep a connection busy on a shared server. It must never start or stop servers.
import { afterEach } from "vitest";
import { destroyAllClients } from "./raw.ts";

afterEach(() => {
  destroyAllClients();
});
