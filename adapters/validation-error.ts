// The error validate() throws: the rule broken, the section of docs/interface.md that states it, and
// which side broke it (the application or the server). Must never carry I/O or logging.

import { ApplicationError } from "../src/errors.ts";

/** A broken rule of the interface. It maps to 500, like any application error. */
export class ValidationError extends ApplicationError {
  readonly rule: string;
  readonly section: string;
  constructor(rule: string, section: string, message: string) {
    super(`tsgi validate: ${message} [rule ${rule}; docs/interface.md section ${section}]`);
    this.name = "ValidationError";
    this.rule = rule;
    this.section = section;
  }
}

/** Throws a ValidationError unless `ok`. */
export function check(ok: boolean, rule: string, section: string, message: () => string): asserts ok {
  if (!ok) throw new ValidationError(rule, section, message());
}

/** A value in a few words, for a message. */
export function shown(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? v.slice(0, 60) + "..." : v);
  if (v === null || v === undefined) return String(v);
  if (v instanceof Uint8Array) return `a Uint8Array of ${v.length} bytes`;
  if (typeof v === "object") return `an object (${Object.prototype.toString.call(v)})`;
  return `${typeof v} ${String(v)}`;
}
