// Test app module whose only export is `application` (the CLI's last fallback name).
// It must never export `default` or `app`.
import type { Application } from "../../src/wsgi/types.ts";

export const application: Application = (_environ, startResponse) => {
  startResponse("200 OK", [["Content-Type", "text/plain"]]);
  return ["application"];
};
