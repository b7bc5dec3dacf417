/** What a file is, judged by its name's extension: for its icon and for how the details pane previews it. */

export type FileKind = "folder" | "image" | "pdf" | "text" | "archive" | "media" | "other";

const KINDS: Record<string, FileKind> = {};
function add(kind: FileKind, exts: string): void {
  for (const ext of exts.split(" ")) KINDS[ext] = kind;
}
add("image", "png jpg jpeg gif webp avif bmp ico svg tif tiff heic heif");
add("pdf", "pdf");
add(
  "text",
  "txt text md markdown csv tsv log json jsonl xml yaml yml toml ini cfg conf properties ts tsx js jsx mjs cjs py " +
    "rb go rs java kt c h cc cpp hpp cs swift php pl sh bash ps1 bat sql css scss diff patch tex rst html htm",
);
add("archive", "zip tar gz tgz bz2 xz zst 7z rar");
add("media", "mp3 wav flac ogg oga m4a aac opus mp4 m4v mkv mov avi webm wmv mpg mpeg");

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot <= 0 || dot === name.length - 1 ? "" : name.slice(dot + 1).toLowerCase();
}

export function fileKind(node: { name: string; type: "file" | "folder" }): FileKind {
  if (node.type === "folder") return "folder";
  return KINDS[extensionOf(node.name)] ?? "other";
}

/**
 * How the details pane can preview a file: the server shows these types inline (`disposition=inline`); SVG and HTML
 * never are (they can carry scripts), so they count as having no preview.
 */
export type PreviewKind = "image" | "pdf" | "text" | "none";

const INLINE_IMAGES = new Set(["png", "jpg", "jpeg", "gif", "webp", "avif", "bmp", "ico"]);
const NEVER_INLINE = new Set(["svg", "html", "htm"]);

export function previewKind(name: string): PreviewKind {
  const ext = extensionOf(name);
  if (INLINE_IMAGES.has(ext)) return "image";
  if (ext === "pdf") return "pdf";
  if (KINDS[ext] === "text" && !NEVER_INLINE.has(ext)) return "text";
  return "none";
}
