import { GraphError } from "../graph/graph-error.js";

const INVALID_CHARS = /["*:<>?/\\|]/;
const RESERVED = new Set(
  [".lock", "con", "prn", "aux", "nul"]
    .concat(Array.from({ length: 10 }, (_, i) => `com${i}`))
    .concat(Array.from({ length: 10 }, (_, i) => `lpt${i}`)),
);

/** SharePoint refuses decoded paths (library-relative, with the library's URL) above this. */
export const MAX_DECODED_PATH = 400;

/**
 * Checks one item name against SharePoint Online's rules and throws the 400 Graph answers
 * with (`invalidRequest`, as SharePoint reports bad names through Graph). `atLibraryRoot`
 * enables the rule that `forms` is reserved directly under a library's root; `isFolder` the
 * rule that folder names cannot begin with `~`.
 *
 * Rules (Microsoft's "Restrictions and limitations in OneDrive and SharePoint"): no
 * `" * : < > ? / \ |`; no leading or trailing space; not empty, `.` or `..`; not `.lock`,
 * `desktop.ini`, `CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9` (also with an
 * extension, e.g. `CON.txt`, as Windows reserves them); not starting with `~$` (Office's
 * owner files); folders not starting with `~`; must not contain `_vti_`.
 */
export function checkItemName(name: string, atLibraryRoot: boolean, isFolder = false): void {
  const bad = (why: string): never => {
    throw new GraphError(400, "invalidRequest", `The provided name "${name}" is not valid: ${why}.`, {
      code: "invalidName",
    });
  };
  if (name.length === 0 || name === "." || name === "..") bad("empty or relative name");
  if (INVALID_CHARS.test(name)) bad('names cannot contain " * : < > ? / \\ |');
  if (/[\u0000-\u001f]/.test(name)) bad("names cannot contain control characters");
  if (name !== name.trim() || name.startsWith(" ") || name.endsWith(" ")) bad("names cannot begin or end with a space");
  const lower = name.toLowerCase();
  const stem = lower.includes(".") && !lower.startsWith(".") ? lower.slice(0, lower.indexOf(".")) : lower;
  if (RESERVED.has(lower) || RESERVED.has(stem) || lower === "desktop.ini") bad("this name is reserved");
  if (name.startsWith("~$")) bad('names cannot begin with "~$"');
  if (isFolder && name.startsWith("~")) bad('folder names cannot begin with "~"');
  if (lower.includes("_vti_")) bad("names cannot contain _vti_");
  if (atLibraryRoot && lower === "forms") bad('"forms" is reserved at the root of a library');
  if (name.length > 255) bad("names are limited to 255 characters");
}

/** Throws when the decoded server-relative path of an item would exceed {@link MAX_DECODED_PATH}. */
export function checkPathLength(decodedPath: string): void {
  if (decodedPath.length > MAX_DECODED_PATH) {
    throw new GraphError(
      400,
      "invalidRequest",
      `The length of the URL for this request exceeds the maximum of ${MAX_DECODED_PATH} characters.`,
      { code: "pathIsTooLong" },
    );
  }
}
