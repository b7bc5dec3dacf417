/**
 * SharePoint Online's naming rules, checked BEFORE any Graph call so a refused name is a
 * per-file `invalid_name` error whose message names the rule (never a failed job, never a retry
 * loop). Rules (learn.microsoft.com "Restrictions and limitations in OneDrive and SharePoint"):
 *
 * - no `" * : < > ? / \ |` and no control characters;
 * - no leading or trailing space; not empty, `.` or `..`;
 * - not `.lock`, `desktop.ini`, `CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9` (any case, also with an
 *   extension);
 * - not beginning with `~$` (Office's owner files); folder names not beginning with `~`;
 * - must not contain `_vti_`;
 * - `forms` is reserved directly at the root of a library;
 * - a name is at most 255 characters;
 * - the decoded server-relative path (`/sites/x/Shared Documents/a/b.docx`) is at most 400 characters.
 *
 * Case-only twins (`a.txt` next to `A.txt`) are the same name on SharePoint: Graph answers 409,
 * which the adapter reports as `exists`.
 */
import { RemoteError } from "../../sync/remote-errors.js";

export const MAX_SHAREPOINT_PATH = 400;
export const MAX_SHAREPOINT_NAME = 255;

const INVALID_CHARS = /["*:<>?/\\|]/;
const RESERVED = new Set([
  "con",
  "prn",
  "aux",
  "nul",
  ...Array.from({ length: 10 }, (_, i) => `com${i}`),
  ...Array.from({ length: 10 }, (_, i) => `lpt${i}`),
]);

/** The rule a name breaks, or undefined when SharePoint accepts it. */
export function sharePointNameProblem(name: string, atLibraryRoot: boolean, isFolder = false): string | undefined {
  if (name.length === 0 || name === "." || name === "..") return 'a name cannot be empty, "." or ".."';
  const ch = INVALID_CHARS.exec(name);
  if (ch) return `SharePoint names cannot contain the character ${ch[0]} (not allowed: " * : < > ? / \\ |)`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return "SharePoint names cannot contain control characters";
  if (name.startsWith(" ") || name.endsWith(" ")) return "SharePoint names cannot begin or end with a space";
  const lower = name.toLowerCase();
  if (lower === ".lock" || lower === "desktop.ini") return `"${name}" is a reserved name in SharePoint`;
  if (name.startsWith("~$")) return 'SharePoint names cannot begin with "~$"';
  if (isFolder && name.startsWith("~")) return 'SharePoint folder names cannot begin with "~"';
  const stem = lower.includes(".") && !lower.startsWith(".") ? lower.slice(0, lower.indexOf(".")) : lower;
  if (RESERVED.has(lower) || RESERVED.has(stem))
    return `"${name}" is a reserved name in SharePoint (CON, PRN, AUX, NUL, COM0-9, LPT0-9, also with an extension)`;
  if (lower.includes("_vti_")) return 'SharePoint names cannot contain "_vti_"';
  if (atLibraryRoot && lower === "forms") return '"forms" is reserved at the root of a SharePoint library';
  if (name.length > MAX_SHAREPOINT_NAME)
    return `SharePoint names are limited to ${MAX_SHAREPOINT_NAME} characters (this one has ${name.length})`;
  return undefined;
}

/**
 * Checks every segment of a library-relative path and the decoded server-relative length.
 * `libraryServerRelativeUrl` is the library's decoded URL path (`/sites/marketing/Shared
 * Documents`); when unknown, only the library-relative part is counted.
 * @throws RemoteError `invalid_name` naming the rule and the offending segment.
 */
export function assertSharePointPath(
  libraryPath: string,
  libraryServerRelativeUrl = "",
  relPathForError?: string,
  leafIsFolder = false,
): void {
  const segments = libraryPath.split("/");
  segments.forEach((seg, i) => {
    const problem = sharePointNameProblem(seg, i === 0, leafIsFolder || i < segments.length - 1);
    if (problem)
      throw new RemoteError("invalid_name", `invalid SharePoint name "${seg}": ${problem}`, {
        path: relPathForError ?? libraryPath,
      });
  });
  const full = `${libraryServerRelativeUrl.replace(/\/+$/, "")}/${libraryPath}`;
  if (full.length > MAX_SHAREPOINT_PATH) {
    throw new RemoteError(
      "invalid_name",
      `path too long for SharePoint: ` +
        `the decoded server-relative path has ${full.length} characters, the limit is ${MAX_SHAREPOINT_PATH}`,
      { path: relPathForError ?? libraryPath },
    );
  }
}
