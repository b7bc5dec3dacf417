/** Permissions an ACE can grant (design §5). */
export const PERMISSIONS = ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"] as const;
export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

/** Store encoding of a permission set: sorted, comma-separated (stable for comparisons). */
export function encodePermissions(perms: Iterable<Permission>): string {
  return PERMISSIONS.filter((p) => new Set(perms).has(p)).join(",");
}

/** Unknown names in stored text are ignored rather than trusted. */
export function decodePermissions(text: string): Permission[] {
  return text.split(",").filter(isPermission);
}
