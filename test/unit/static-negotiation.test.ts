// tsgi/static's pure parts: Range parsing (RFC 9110 14.1.2), Accept-Encoding negotiation (12.5.3),
// conditional requests in the order of 13.2.2 and If-Range (13.1.5), and the request path checks.
// It must never touch the file system or the network.
import { describe, expect, test } from "vitest";
import { MAX_RANGES, UNSATISFIABLE, parseRange } from "../../adapters/static-ranges.ts";
import { acceptedCodings, chooseEncoding } from "../../adapters/static-encoding.ts";
import { NOT_MODIFIED, PRECONDITION_FAILED, PROCEED, evaluate, ifRangeHolds, validatorsOf } from "../../adapters/static-conditional.ts";
import { BAD_PATH, NOT_FOUND, NOT_MINE, normalisePrefix, requestedPath } from "../../adapters/static-path.ts";
import { contentType } from "../../adapters/static-types.ts";

describe("parseRange", () => {
  test.each([
    ["bytes=0-499", [{ first: 0, last: 499 }]],
    ["bytes=500-", [{ first: 500, last: 999 }]],
    ["bytes=-200", [{ first: 800, last: 999 }]],
    ["bytes=-5000", [{ first: 0, last: 999 }]],
    ["bytes=900-5000", [{ first: 900, last: 999 }]],
    ["BYTES = 0-0", [{ first: 0, last: 0 }]],
    ["bytes=0-9, 20-29", [{ first: 0, last: 9 }, { first: 20, last: 29 }]],
    ["bytes=20-29,0-9", [{ first: 0, last: 9 }, { first: 20, last: 29 }]],
    ["bytes=0-9,5-19,20-29", [{ first: 0, last: 29 }]],
    ["bytes=0-9,,10-19", [{ first: 0, last: 19 }]],
    ["bytes=0-9,2000-3000", [{ first: 0, last: 9 }]],
  ])("%s of 1000 bytes", (field, ranges) => {
    expect(parseRange(field, 1000)).toEqual(ranges);
  });

  test.each(["bytes=1000-", "bytes=1000-2000", "bytes=-0", "bytes=5000-,1000-1001"])("%s of 1000 bytes is unsatisfiable (416)", (field) => {
    expect(parseRange(field, 1000)).toBe(UNSATISFIABLE);
  });

  test.each(["items=0-9", "bytes", "bytes=", "bytes=abc", "bytes=9-0", "bytes=1-2-3", "bytes=0x1-2", "bytes= , ", "bytes=+1-2"])("%s is ignored (the whole file)", (field) => {
    expect(parseRange(field, 1000)).toBeNull();
  });

  test("an empty file ignores Range; too many ranges are ignored", () => {
    expect(parseRange("bytes=0-0", 0)).toBeNull();
    const many = "bytes=" + Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(",");
    expect(parseRange(many, 100_000)).toBeNull();
    const enough = "bytes=" + Array.from({ length: MAX_RANGES }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(",");
    expect(parseRange(enough, 100_000)).toHaveLength(MAX_RANGES);
  });
});

describe("Accept-Encoding", () => {
  test("q-values are parsed, names lower-cased, x-gzip is gzip, a malformed weight refuses", () => {
    expect(Object.fromEntries(acceptedCodings("GZIP;q=0.5, br , x-gzip;q=0.7, deflate;q=2, *;q=0"))).toEqual({ gzip: 0.7, br: 1, deflate: 0, "*": 0 });
  });

  test.each([
    [undefined, ["br", "gzip"], null],
    ["", ["br", "gzip"], null],
    ["gzip, deflate, br", ["br", "gzip"], "br"],
    ["gzip, deflate, br", ["gzip"], "gzip"],
    ["gzip;q=1, br;q=0.8", ["br", "gzip"], "gzip"],
    ["br;q=0, gzip", ["br", "gzip"], "gzip"],
    ["br;q=0, gzip;q=0", ["br", "gzip"], null],
    ["*", ["br", "gzip"], "br"],
    ["*;q=0.5, gzip;q=0.9", ["br", "gzip"], "gzip"],
    ["*;q=0", ["br", "gzip"], null],
    ["identity", ["br", "gzip"], null],
    ["gzip;q=0.5, identity;q=0.9", ["gzip"], null],
    ["gzip;q=0.9, identity;q=0.5", ["gzip"], "gzip"],
    ["deflate", ["br", "gzip"], null],
    ["br", [], null],
  ] as const)("%j with %j on disk: %j", (field, available, chosen) => {
    expect(chooseEncoding(field, available)).toBe(chosen);
  });
});

describe("conditional requests", () => {
  const v = validatorsOf(1234, Date.UTC(2026, 0, 2, 3, 4, 5, 678), 42, "");
  const later = new Date(Date.UTC(2026, 0, 3)).toUTCString();
  const earlier = new Date(Date.UTC(2026, 0, 1)).toUTCString();

  test("validators: a strong ETag that depends on size, time, inode and encoding; Last-Modified in seconds", () => {
    expect(v.etag).toMatch(/^"[0-9a-f-]+"$/);
    expect(v.lastModified).toBe("Fri, 02 Jan 2026 03:04:05 GMT");
    expect(validatorsOf(1234, Date.UTC(2026, 0, 2, 3, 4, 5, 678), 42, "br").etag).not.toBe(v.etag);
    expect(validatorsOf(1235, Date.UTC(2026, 0, 2, 3, 4, 5, 678), 42, "").etag).not.toBe(v.etag);
    expect(validatorsOf(1234, Date.UTC(2026, 0, 2, 3, 4, 5, 678), 43, "").etag).not.toBe(v.etag);
  });

  test.each([
    [{}, PROCEED],
    [{ ifNoneMatch: v.etag }, NOT_MODIFIED],
    [{ ifNoneMatch: `"other", W/${v.etag}` }, NOT_MODIFIED],
    [{ ifNoneMatch: "*" }, NOT_MODIFIED],
    [{ ifNoneMatch: '"other"' }, PROCEED],
    [{ ifModifiedSince: v.lastModified }, NOT_MODIFIED],
    [{ ifModifiedSince: later }, NOT_MODIFIED],
    [{ ifModifiedSince: earlier }, PROCEED],
    [{ ifModifiedSince: "not a date" }, PROCEED],
    // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2 step 3 before 4)
    [{ ifNoneMatch: '"other"', ifModifiedSince: later }, PROCEED],
    [{ ifNoneMatch: v.etag, ifModifiedSince: earlier }, NOT_MODIFIED],
    [{ ifMatch: v.etag }, PROCEED],
    [{ ifMatch: `W/${v.etag}` }, PRECONDITION_FAILED],
    [{ ifMatch: '"other"' }, PRECONDITION_FAILED],
    [{ ifUnmodifiedSince: earlier }, PRECONDITION_FAILED],
    [{ ifUnmodifiedSince: later }, PROCEED],
    // If-Match wins over If-Unmodified-Since
    [{ ifMatch: v.etag, ifUnmodifiedSince: earlier }, PROCEED],
    [{ ifMatch: '"other"', ifNoneMatch: v.etag }, PRECONDITION_FAILED],
  ])("%j: %s", (conditions, verdict) => {
    expect(evaluate(conditions, v)).toBe(verdict);
  });

  test("If-Range: the same strong ETag or exactly Last-Modified", () => {
    expect(ifRangeHolds(undefined, v)).toBe(true);
    expect(ifRangeHolds(v.etag, v)).toBe(true);
    expect(ifRangeHolds(`W/${v.etag}`, v)).toBe(false);
    expect(ifRangeHolds('"other"', v)).toBe(false);
    expect(ifRangeHolds(v.lastModified, v)).toBe(true);
    expect(ifRangeHolds(later, v)).toBe(false);
    expect(ifRangeHolds("garbage", v)).toBe(false);
  });
});

describe("request paths", () => {
  test("prefixes are normalised", () => {
    expect(normalisePrefix("static")).toBe("/static/");
    expect(normalisePrefix("/")).toBe("/");
  });

  test.each([
    ["/static/a/b.css", "/static/a/b.css", ["a", "b.css"]],
    ["/static/", "/static/", [""]],
    ["/static/dir/", "/static/dir/", ["dir", ""]],
    ["/other/x", "/other/x", NOT_MINE],
    ["/static", "/static", NOT_MINE],
    ["/static/../secret", "/static/../secret", NOT_FOUND],
    ["/static/a/./b", "/static/a/./b", NOT_FOUND],
    ["/static/a//b", "/static/a//b", NOT_FOUND],
    ["/static/a/b", "/static/a%2fb", BAD_PATH],
    ["/static/a/b", "/static/a%2Fb", BAD_PATH],
    ["/static/a\\b", "/static/a%5cb", BAD_PATH],
    ["/static/a\\..\\b", "/static/a\\..\\b", BAD_PATH],
    ["/static/a\0b", "/static/a%00b", BAD_PATH],
    ["/static/a\0b", undefined, BAD_PATH],
    ["/static/\xc3\xa9.txt", "/static/%C3%A9.txt", ["é.txt"]],
    ["/static/\xff.txt", "/static/%FF.txt", NOT_FOUND],
  ] as const)("%j (raw %j)", (pathInfo, raw, verdict) => {
    expect(requestedPath(pathInfo, raw, "/static/")).toEqual(verdict);
  });

  test("content types by extension", () => {
    expect(contentType("/x/site.CSS")).toBe("text/css; charset=utf-8");
    expect(contentType("/x/.env")).toBe("application/octet-stream");
    expect(contentType("/x.d/noext")).toBe("application/octet-stream");
    expect(contentType("/x/a.foo", { foo: "text/x-foo" })).toBe("text/x-foo");
  });
});
