/**
 * SharePoint list-item columns → ScaiDrive metadata. Keys are `sharepoint.<InternalName>`
 * (internal column names: `Title`, `Status`, a custom `Campaign`…), values as Graph returns them
 * (text, number, boolean, ISO date strings, lookup objects). SharePoint's own bookkeeping
 * columns (ids, sizes, timestamps, version labels, check-out/edit lookups, `@odata.*`) are left
 * out so that metadata changes only when a person changes a column. The document author and
 * last editor come from the list item as `sharepoint.Author` / `sharepoint.Editor` (display
 * names, as users see them in the library).
 */
import type { GraphIdentitySet, ListItem } from "./graph-types.js";

export const METADATA_PREFIX = "sharepoint.";

const SYSTEM_COLUMNS = new Set([
  "id",
  "ContentType",
  "Created",
  "Modified",
  "AuthorLookupId",
  "EditorLookupId",
  "FileSizeDisplay",
  "_UIVersionString",
  "_CheckinComment",
  "CheckoutUserLookupId",
  "FileLeafRef",
  "LinkFilename",
  "LinkFilenameNoMenu",
  "DocIcon",
  "ItemChildCount",
  "FolderChildCount",
  "_ComplianceFlags",
  "_ComplianceTag",
  "_ComplianceTagWrittenTime",
  "_ComplianceTagUserId",
  "Edit",
  "_ColorTag",
  "AppAuthorLookupId",
  "AppEditorLookupId",
  "_DisplayName",
  "ParentVersionStringLookupId",
  "ParentLeafNameLookupId",
  "FileSizeDisplay",
  "_IsRecord",
  "Attachments",
]);

function who(set: GraphIdentitySet | undefined): string | undefined {
  const u = set?.user ?? set?.application ?? set?.siteUser;
  return u?.displayName ?? u?.email;
}

export function fieldsFromListItem(
  li: ListItem & { createdBy?: GraphIdentitySet; lastModifiedBy?: GraphIdentitySet },
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(li.fields ?? {})) {
    if (k.startsWith("@") || k.startsWith("odata.") || SYSTEM_COLUMNS.has(k) || v === null || v === undefined) continue;
    out[`${METADATA_PREFIX}${k}`] = v;
  }
  const author = who(li.createdBy);
  const editor = who(li.lastModifiedBy);
  if (author) out[`${METADATA_PREFIX}Author`] = author;
  if (editor) out[`${METADATA_PREFIX}Editor`] = editor;
  return out;
}
