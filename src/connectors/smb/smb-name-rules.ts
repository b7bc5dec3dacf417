/**
 * Names a Windows file server cannot hold as spelled ("Naming Files, Paths, and Namespaces",
 * learn.microsoft.com/windows/win32/fileio/naming-a-file), checked before anything is created,
 * so the engine gets a per-file `invalid_name` that says why instead of a name that changes on
 * the way. Samba (default `mangled names = yes`) accepts many of them over SMB but lists them
 * afterwards under an 8.3 alias (`aux.txt` → `AHY9U3~9.TXT`), which the next walk would take for
 * a rename; Windows refuses them outright.
 *
 * - characters `\ / : * ? " < > |` and control characters 0x00–0x1F (`\` is SMB's separator,
 *   `:` names a stream);
 * - reserved device names CON, PRN, AUX, NUL, COM1–COM9, LPT1–LPT9 and the superscript forms
 *   COM¹ COM² COM³ LPT¹ LPT² LPT³, in any case, alone or followed by an extension (`NUL.txt`
 *   and `NUL.tar.gz` both mean NUL); COM0 and LPT0 too, which earlier revisions of that page
 *   listed and Explorer refuses;
 * - a name ending with a dot or a space (Windows strips them, so the name would not survive).
 */

const RESERVED = new Set(["CON", "PRN", "AUX", "NUL"]);
const RESERVED_NUMBERED = /^(?:COM|LPT)[0-9\u00b9\u00b2\u00b3]$/;

/** The first character SMB names cannot contain, described for a message (`':'`, `control character 0x01`). */
export function forbiddenCharacter(name: string): string | undefined {
  const bad = /[\\/:*?"<>|\x00-\x1f]/.exec(name);
  if (!bad) return undefined;
  const c = bad[0];
  return c < " " ? `control character 0x${c.charCodeAt(0).toString(16).padStart(2, "0")}` : `'${c}'`;
}

/** Why Windows cannot hold `name` (one path segment) as spelled, or undefined when it can. */
export function windowsNameProblem(name: string): string | undefined {
  const bad = forbiddenCharacter(name);
  if (bad) return `contains ${bad}`;
  const stem = name.split(".", 1)[0]!.toUpperCase();
  if (RESERVED.has(stem) || RESERVED_NUMBERED.test(stem)) return `reserved device name (${stem})`;
  if (name.endsWith(".")) return "ends with a dot";
  if (name.endsWith(" ")) return "ends with a space";
  return undefined;
}

/**
 * Why a CREATE or rename in an existing folder answered STATUS_OBJECT_NAME_NOT_FOUND: that is how
 * Samba refuses a name its `veto files` matches. `what` names it: `name 'notes.tmp'`.
 */
export function vetoMessage(what: string, count = 1): string {
  return (
    `the server ` +
    `refused the ${what} (STATUS_OBJECT_NAME_NOT_FOUND in an ` +
    `existing folder): the share's "veto files" setting likely matches ${count === 1 ? "it" : "them"}`
  );
}
