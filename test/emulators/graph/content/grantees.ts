import type { Directory } from "../directory/directory.js";
import { GraphError } from "../graph/graph-error.js";
import type { Actor, Grantee, PermissionRecord } from "./drive-model.js";
import type { ContentStore } from "./content-store.js";

/**
 * A grant as fixtures and the control API write it: exactly one of `user` (UPN or id),
 * `group` (display name or id), `siteUser` (a SharePoint-only login, e.g. an external user),
 * `siteGroup` (e.g. "Marketing Members"), plus roles.
 */
export interface GrantSpec {
  user?: string;
  group?: string;
  siteUser?: string;
  siteGroup?: string;
  roles: Array<"read" | "write" | "owner">;
}

export function resolveGrant(
  store: ContentStore,
  directory: Directory,
  tenantId: string,
  spec: GrantSpec,
): PermissionRecord {
  if (
    !Array.isArray(spec.roles) ||
    spec.roles.length === 0 ||
    spec.roles.some((r) => !["read", "write", "owner"].includes(r))
  ) {
    throw new GraphError(400, "invalidRequest", "roles must be a non-empty list of read, write, owner");
  }
  let grantee: Grantee;
  if (spec.user) {
    const u = directory.findUser(tenantId, spec.user);
    if (!u) throw new GraphError(400, "invalidRequest", `Unknown user ${spec.user}`);
    grantee = { kind: "user", id: u.id, displayName: u.displayName, email: u.mail };
  } else if (spec.group) {
    const g = directory.findGroup(tenantId, spec.group);
    if (!g) throw new GraphError(400, "invalidRequest", `Unknown group ${spec.group}`);
    grantee = { kind: "group", id: g.id, displayName: g.displayName, ...(g.mail ? { email: g.mail } : {}) };
  } else if (spec.siteUser) {
    grantee = {
      kind: "siteUser",
      id: String(hash(spec.siteUser) % 10000),
      displayName: spec.siteUser,
      loginName: `i:0#.f|membership|${spec.siteUser}`,
    };
  } else if (spec.siteGroup) {
    grantee = {
      kind: "siteGroup",
      id: String(hash(spec.siteGroup) % 10000),
      displayName: spec.siteGroup,
      loginName: spec.siteGroup,
    };
  } else {
    throw new GraphError(400, "invalidRequest", "A grant needs one of user, group, siteUser, siteGroup");
  }
  return { id: store.newPermissionId(), roles: [...spec.roles], grantee };
}

/** The actor a control-API or fixture change is made as: a directory user (UPN or id), else the system account. */
export function userActor(directory: Directory, tenantId: string, who: string | undefined, fallback: Actor): Actor {
  if (!who) return fallback;
  const u = directory.findUser(tenantId, who);
  if (!u) throw new GraphError(400, "invalidRequest", `Unknown user ${who}`);
  return { kind: "user", id: u.id, displayName: u.displayName, email: u.mail };
}

function hash(s: string): number {
  let h = 7;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}
