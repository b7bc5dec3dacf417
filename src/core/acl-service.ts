import { AppError } from "./errors.js";
import { actorPrincipals, type Actor } from "./actor.js";
import { PERMISSIONS, decodePermissions, type Permission } from "./permissions.js";
import { aclStore, type AceRecord } from "../store/core/acl-store.js";
import type { NodeRecord } from "../store/core/node-store.js";
import type { ShareRecord } from "../store/core/share-store.js";
import type { DbExecutor } from "../store/core/db-executor.js";

/**
 * The one 404 for a node: `<path> not found` with `details.path` for a path, `<id> not found` for an
 * id. A missing node and one the caller may not read get the same answer, naming what was asked
 * for and nothing else (never an existing ancestor).
 */
export function notFound(requested: string): AppError {
  return new AppError(
    "NOT_FOUND",
    `${requested} not found`,
    requested.startsWith("/") ? { path: requested } : undefined,
  );
}

/**
 * Effective permissions. Rules (design §5):
 * - admins and the system actor hold everything;
 * - the share's creator always holds READ and MANAGE_PERMISSIONS everywhere in it (so it can
 *   never lock itself out); everything else it gets from ACEs like anyone (it is given a full ACE
 *   on the root when the share is created);
 * - otherwise the union of the ACEs naming the user or one of its groups on the node and on each
 *   ancestor, walking up until (and including) the first node whose inheritance is broken.
 */
export class AclService {
  constructor(private readonly db: DbExecutor) {}

  /**
   * `chain` is the node's ancestor chain, root first, the node itself last. Inside a transaction
   * pass it as `db`: SQLite has one connection, so a query outside the transaction would wait
   * for it forever.
   */
  async effective(
    actor: Actor,
    share: ShareRecord,
    chain: NodeRecord[],
    db: DbExecutor = this.db,
  ): Promise<Set<Permission>> {
    if (actor.isAdmin || actor.isSystem) return new Set(PERMISSIONS);
    const aces = await aclStore.forNodes(
      db,
      chain.map((n) => n.id),
    );
    const perms = this.fromAces(actor, chain, aces);
    this.addImplicit(actor, share, perms);
    return perms;
  }

  /**
   * Permissions of each child of a folder, given the folder's chain: one query for a whole
   * listing page instead of one per child.
   */
  async effectiveForChildren(
    actor: Actor,
    share: ShareRecord,
    parentChain: NodeRecord[],
    children: NodeRecord[],
  ): Promise<Map<string, Set<Permission>>> {
    const out = new Map<string, Set<Permission>>();
    if (actor.isAdmin || actor.isSystem) {
      for (const c of children) out.set(c.id, new Set(PERMISSIONS));
      return out;
    }
    const aces = await aclStore.forNodes(this.db, [...parentChain.map((n) => n.id), ...children.map((c) => c.id)]);
    const inherited = this.fromAces(actor, parentChain, aces);
    const mine = actorPrincipals(actor);
    for (const c of children) {
      const perms = c.acl_inherit ? new Set(inherited) : new Set<Permission>();
      for (const a of aces)
        if (a.node_id === c.id && mine.has(a.principal_id))
          for (const p of decodePermissions(a.permissions)) perms.add(p);
      this.addImplicit(actor, share, perms);
      out.set(c.id, perms);
    }
    return out;
  }

  /**
   * `what` is the node the permissions belong to; `requested` what the caller asked for (a path
   * below `what` when a write creates missing folders).
   * @throws AppError NOT_FOUND naming `requested` when the actor lacks READ — exactly the answer a
   *   missing node gets (see {@link notFound}), so a 404 never tells "hidden" from "missing";
   *   FORBIDDEN when it can read but lacks `perm`.
   */
  static check(perms: Set<Permission>, perm: Permission, what: string, requested: string = what): void {
    if (!perms.has("READ")) throw notFound(requested);
    if (!perms.has(perm))
      throw new AppError("FORBIDDEN", `${perm} permission required on ${what}`, { permission: perm });
  }

  private fromAces(actor: Actor, chain: NodeRecord[], aces: AceRecord[]): Set<Permission> {
    const mine = actorPrincipals(actor);
    const perms = new Set<Permission>();
    for (let i = chain.length - 1; i >= 0; i--) {
      const node = chain[i];
      for (const a of aces)
        if (a.node_id === node.id && mine.has(a.principal_id))
          for (const p of decodePermissions(a.permissions)) perms.add(p);
      if (!node.acl_inherit) break;
    }
    return perms;
  }

  private addImplicit(actor: Actor, share: ShareRecord, perms: Set<Permission>): void {
    if (share.created_by === actor.userId) {
      perms.add("READ");
      perms.add("MANAGE_PERMISSIONS");
    }
  }
}
