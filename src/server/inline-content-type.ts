import type { FastifyReply } from "fastify";
import { INLINE_CSP } from "./security-headers.js";

const TEXT = "text/plain; charset=utf-8";

/**
 * The media types a download may be shown with in the browser (`disposition=inline`), by file
 * extension. A fixed list of types browsers display without running anything: images, PDF, and
 * text-like files, which all go out as text/plain whatever they contain (JSON, code, markup), so
 * nothing is ever interpreted as a document with scripts. SVG and HTML are left out on purpose:
 * both can carry scripts; they always download as attachments.
 */
const INLINE_TYPES: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  bmp: "image/bmp",
  ico: "image/x-icon",
  pdf: "application/pdf",
  ...Object.fromEntries(
    [
      "txt",
      "text",
      "md",
      "markdown",
      "csv",
      "tsv",
      "log",
      "json",
      "jsonl",
      "xml",
      "yaml",
      "yml",
      "toml",
      "ini",
      "cfg",
      "conf",
      "properties",
      "ts",
      "tsx",
      "js",
      "jsx",
      "mjs",
      "cjs",
      "py",
      "rb",
      "go",
      "rs",
      "java",
      "kt",
      "c",
      "h",
      "cc",
      "cpp",
      "hpp",
      "cs",
      "swift",
      "php",
      "pl",
      "sh",
      "bash",
      "ps1",
      "bat",
      "sql",
      "css",
      "scss",
      "diff",
      "patch",
      "tex",
      "rst",
    ].map((ext) => [ext, TEXT]),
  ),
};

/** The media type a file of this name may be shown inline with, or undefined (attachment only). */
export function inlineContentType(name: string): string | undefined {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return undefined;
  const ext = name.slice(dot + 1).toLowerCase();
  return Object.hasOwn(INLINE_TYPES, ext) ? INLINE_TYPES[ext] : undefined;
}

/**
 * Content-Type and Content-Disposition of a download. By default, and for any name not on the
 * inline list, the bytes are `application/octet-stream` as an attachment (ScaiDrive does not guess
 * types). With `inline` and a listed extension they get the listed type, `inline`, and a
 * Content-Security-Policy that lets the app's own pages frame them (a PDF preview in an iframe).
 */
export function setContentHeaders(reply: FastifyReply, name: string, inline: boolean): void {
  const type = inline ? inlineContentType(name) : undefined;
  const filename = `filename*=UTF-8''${encodeURIComponent(name)}`;
  if (type === undefined) {
    reply.header("content-type", "application/octet-stream").header("content-disposition", `attachment; ${filename}`);
    return;
  }
  reply
    .header("content-type", type)
    .header("content-disposition", `inline; ${filename}`)
    .header("content-security-policy", INLINE_CSP);
}
