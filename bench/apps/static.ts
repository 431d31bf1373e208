// Bench app: tsgi/static serving bench/static/ (index.html: 64 KiB of "x", the bytes of
// bench/lib/payloads.mjs BIG) at "/", with everything staticFiles does per request (path checks,
// realpath, stat, siblings, ETag, conditionals). The native servers serve the same file their own way.
// It must do exactly what bench/native/* do for "static", nothing more.
import { fileURLToPath } from "node:url";
import { staticFiles } from "../../adapters/static.ts";

export default staticFiles(fileURLToPath(new URL("../static", import.meta.url)));
