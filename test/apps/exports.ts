// Test app module for the CLI's MODULE:NAME resolution: named exports only, no default.
//   app          answers "app"         application  answers "application"
//   other        answers "other"       notAFunction is a number
// It must never have a default export (the CLI falls back to `app` here).
import type { Application } from "../../src/wsgi/types.ts";

function answer(name: string): Application {
  return (_environ, startResponse) => {
    startResponse("200 OK", [["Content-Type", "text/plain"]]);
    return [name];
  };
}

export const app: Application = answer("app");
export const application: Application = answer("application");
export const other: Application = answer("other");
export const notAFunction = 42;
