/**
 * SharePoint permissions → {@link RemoteAcl}.
 *
 * - Principal: the Entra object id for directory users and groups (what identity mappings'
 *   `smb_principal` holds); site users by their claims `loginName` (or id), site groups as
 *   `sharepoint-group:<displayName>` (they have no directory object). Sharing links are skipped.
 * - Roles: `read` → READ; `write` / `sp.edit` / `sp.contribute` → READ, WRITE, DELETE;
 *   `owner` / `sp.full control` / `sp.manage` → READ, WRITE, DELETE, MANAGE_PERMISSIONS; others
 *   (e.g. `sp.limited access`) give nothing and the entry is dropped.
 * - `inherited` = the permission carries `inheritedFrom`; `inherit` is false exactly when the
 *   item lists at least one permission of its own (no `inheritedFrom`): broken inheritance.
 */
import type { AclEntry, RemoteAcl } from "../../sync/remote.js";
import type { GraphPermission } from "./graph-types.js";

const READ = ["READ"];
const WRITE = ["READ", "WRITE", "DELETE"];
const FULL = ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"];

export function permissionsForRoles(roles: readonly string[]): string[] {
  const set = new Set<string>();
  for (const r of roles.map((x) => x.toLowerCase())) {
    const grant =
      r === "owner" || r === "sp.full control" || r === "sp.manage" || r === "fullcontrol"
        ? FULL
        : r === "write" || r === "sp.edit" || r === "sp.contribute"
          ? WRITE
          : r === "read" || r === "sp.read" || r === "sp.view only"
            ? READ
            : [];
    for (const p of grant) set.add(p);
  }
  return FULL.filter((p) => set.has(p));
}

function principalOf(p: GraphPermission): { principal: string; principalType: AclEntry["principalType"] } | undefined {
  const g = p.grantedToV2 ?? p.grantedTo;
  if (!g) return undefined;
  if (g.user?.id) return { principal: g.user.id, principalType: "user" };
  if (g.group?.id) return { principal: g.group.id, principalType: "group" };
  if (g.siteUser) {
    const id = g.siteUser.loginName ?? g.siteUser.email ?? g.siteUser.id;
    if (id) return { principal: id, principalType: "user" };
  }
  if (g.siteGroup?.displayName || g.siteGroup?.id)
    return { principal: `sharepoint-group:${g.siteGroup.displayName ?? g.siteGroup.id}`, principalType: "group" };
  if (g.application?.id) return { principal: g.application.id, principalType: "unknown" };
  return undefined;
}

export function aclFromPermissions(perms: readonly GraphPermission[], owner?: string): RemoteAcl {
  const entries: AclEntry[] = [];
  let unique = false;
  for (const p of perms) {
    if (p.link) continue;
    const inherited = p.inheritedFrom !== undefined && p.inheritedFrom !== null;
    if (!inherited) unique = true;
    const who = principalOf(p);
    const permissions = permissionsForRoles(p.roles ?? []);
    if (!who || permissions.length === 0) continue;
    entries.push({ principal: who.principal, principalType: who.principalType, permissions, inherited });
  }
  return { ...(owner ? { owner } : {}), entries, inherit: !unique };
}
