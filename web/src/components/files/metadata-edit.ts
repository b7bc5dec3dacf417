/** The metadata editor's rows and the PATCH that turns the stored dict into what the rows say. */

export interface MetadataRow {
  /** Stable React key for a row. */
  id: number;
  key: string;
  value: string;
}

/** Strings as they are, anything else (numbers, lists, objects) as JSON. */
export function showValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

let nextRowId = 1;

export function rowsOf(dict: Record<string, unknown>): MetadataRow[] {
  return Object.entries(dict).map(([key, value]) => ({ id: nextRowId++, key, value: showValue(value) }));
}

export function emptyRow(): MetadataRow {
  return { id: nextRowId++, key: "", value: "" };
}

/**
 * The merge PATCH from `stored` to `rows`: keys gone are sent as null, new or changed values as strings, except
 * that an edited value of a key that held JSON (a number, a list) stays JSON when the new text still parses as
 * JSON. Unchanged keys are not sent. Returns an error message for rows that cannot be saved.
 */
export function metadataPatch(
  stored: Record<string, unknown>,
  rows: readonly MetadataRow[],
): { patch: Record<string, unknown> } | { error: string } {
  const seen = new Set<string>();
  const patch: Record<string, unknown> = {};
  for (const row of rows) {
    const key = row.key.trim();
    if (!key && !row.value) continue;
    if (!key) return { error: "Every field needs a name." };
    if (seen.has(key)) return { error: `The field “${key}” appears twice.` };
    seen.add(key);
    const had = Object.hasOwn(stored, key);
    if (had && showValue(stored[key]) === row.value) continue;
    patch[key] = had && typeof stored[key] !== "string" ? parseOrText(row.value) : row.value;
  }
  for (const key of Object.keys(stored)) if (!seen.has(key)) patch[key] = null;
  return { patch };
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
