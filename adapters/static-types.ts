// Content types for tsgi/static: a file's Content-Type from its extension (the common web types;
// text types carry charset=utf-8), and application/octet-stream for anything else.
// Must never look inside a file (no sniffing): the name alone decides.

const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  cjs: "text/javascript; charset=utf-8",
  json: "application/json",
  map: "application/json",
  webmanifest: "application/manifest+json",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/vnd.microsoft.icon",
  bmp: "image/bmp",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  wasm: "application/wasm",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  br: "application/x-brotli",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  wav: "audio/wav",
  mp4: "video/mp4",
  webm: "video/webm",
};

export const DEFAULT_TYPE = "application/octet-stream";

/** The Content-Type for a file name, from its extension (case-insensitive); `extra` first. */
export function contentType(name: string, extra?: Readonly<Record<string, string>>): string {
  const dot = name.lastIndexOf(".");
  const slash = name.lastIndexOf("/");
  if (dot <= slash + 1) return DEFAULT_TYPE; // no extension, or a dot file such as ".env"
  const ext = name.slice(dot + 1).toLowerCase();
  return extra?.[ext] ?? TYPES[ext] ?? DEFAULT_TYPE;
}
