import type { AclView, Group, Permission, Share, User } from "../../api/types";

export const PERMISSIONS: { value: Permission; label: string }[] = [
  { value: "READ", label: "Read" },
  { value: "WRITE", label: "Write" },
  { value: "DELETE", label: "Delete" },
  { value: "MANAGE_PERMISSIONS", label: "Manage permissions" },
];

/**
 * Whether `user` may replace this item's ACL, worked out the way the server does (docs/permissions.md): admins and
 * the share's creator always may; anyone else when an ACE on the item or inherited from above names them or one of
 * their groups with MANAGE_PERMISSIONS. The server still decides: a 403 on saving turns the editor read-only.
 */
export function canManage(user: User, share: Share, acl: AclView, groups: readonly Group[]): boolean {
  if (user.is_admin || share.created_by === user.id) return true;
  const mine = new Set([user.id, ...groups.filter((g) => g.member_ids.includes(user.id)).map((g) => g.id)]);
  return [...acl.aces, ...acl.inherited_aces].some(
    (ace) => mine.has(ace.principal_id) && ace.permissions.includes("MANAGE_PERMISSIONS"),
  );
}

export interface EditableAce {
  principal_id: string;
  permissions: Permission[];
}

export function sameAcl(a: readonly EditableAce[], b: readonly EditableAce[]): boolean {
  const key = (aces: readonly EditableAce[]) =>
    JSON.stringify(aces.map((x) => [x.principal_id, [...x.permissions].sort()]).sort());
  return key(a) === key(b);
}

/** Any permission without READ is useless: checking one checks Read too, unchecking Read clears them all. */
export function togglePermission(perms: readonly Permission[], p: Permission, on: boolean): Permission[] {
  const next = new Set(perms);
  if (on) {
    next.add(p);
    next.add("READ");
  } else if (p === "READ") next.clear();
  else next.delete(p);
  return PERMISSIONS.map((x) => x.value).filter((v) => next.has(v));
}
