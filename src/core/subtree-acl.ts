import { actorPrincipals, type Actor } from "./actor.js";
import { decodePermissions, type Permission } from "./permissions.js";
import { aclStore, type AceRecord } from "../store/core/acl-store.js";
import { nodeStore, type NodeRecord } from "../store/core/node-store.js";
import type { ShareRecord } from "../store/core/share-store.js";
import type { DbExecutor } from "../store/core/db-executor.js";

/**
 * READ decisions for many nodes anywhere below one folder (search results), by the rules of
 * {@link AclService.effective}, without a chain query per node: the ancestors between the folder
 * and each node are fetched by id, one query per tree level for a whole batch, and every folder's
 * inherited permissions are computed once and kept for the next batch.
 */
export class SubtreeAcl {
  private readonly known = new Map<string, NodeRecord>();
  private readonly acesOf = new Map<string, AceRecord[]>();
  /** Permissions from ACEs of a node and its inheriting ancestors (the creator's implicit ones not included). */
  private readonly fromAces = new Map<string, Set<Permission>>();
  private readonly mine: Set<string>;
  /** Admins, the system actor and the share's creator (READ everywhere) need no look-ups. */
  private readonly readsAll: boolean;

  /** `chain` runs from the share's root to the folder searched (both included). */
  constructor(
    private readonly db: DbExecutor,
    actor: Actor,
    share: ShareRecord,
    private readonly chain: NodeRecord[],
  ) {
    this.mine = actorPrincipals(actor);
    this.readsAll = actor.isAdmin || actor.isSystem === true || share.created_by === actor.userId;
    for (const n of chain) this.known.set(n.id, n);
  }

  /** Ids of the nodes in `rows` (all below the folder) the actor may READ. */
  async readable(rows: readonly NodeRecord[]): Promise<Set<string>> {
    if (this.readsAll) return new Set(rows.map((r) => r.id));
    await this.loadAncestors(rows);
    await this.loadAces([...this.chain, ...rows, ...this.known.values()]);
    const out = new Set<string>();
    for (const row of rows) if (this.permissions(row).has("READ")) out.add(row.id);
    return out;
  }

  private async loadAncestors(rows: readonly NodeRecord[]): Promise<void> {
    let missing = this.unknownParents(rows);
    while (missing.length > 0) {
      const fetched = await nodeStore.getMany(this.db, missing);
      for (const n of fetched) this.known.set(n.id, n);
      // A parent deleted meanwhile stays unknown: its children then inherit nothing beyond it.
      missing = this.unknownParents(fetched).filter((id) => !missing.includes(id));
    }
  }

  private unknownParents(rows: readonly NodeRecord[]): string[] {
    const ids = new Set<string>();
    for (const r of rows) if (r.parent_id !== null && !this.known.has(r.parent_id)) ids.add(r.parent_id);
    return [...ids];
  }

  private async loadAces(nodes: readonly NodeRecord[]): Promise<void> {
    const ids = [...new Set(nodes.map((n) => n.id))].filter((id) => !this.acesOf.has(id));
    for (const id of ids) this.acesOf.set(id, []);
    for (let i = 0; i < ids.length; i += 500) {
      for (const ace of await aclStore.forNodes(this.db, ids.slice(i, i + 500)))
        this.acesOf.get(ace.node_id)?.push(ace);
    }
  }

  /** own ACEs ∪ (inheriting ? the parent's : ∅), walking up until a node breaks inheritance. */
  private permissions(node: NodeRecord): Set<Permission> {
    const cached = this.fromAces.get(node.id);
    if (cached) return cached;
    const perms = new Set<Permission>();
    for (const ace of this.acesOf.get(node.id) ?? [])
      if (this.mine.has(ace.principal_id)) for (const p of decodePermissions(ace.permissions)) perms.add(p);
    const parent = node.parent_id === null ? undefined : this.known.get(node.parent_id);
    if (node.acl_inherit && parent) for (const p of this.permissions(parent)) perms.add(p);
    // Only folders are asked again (as parents); files would just fill the cache.
    if (node.type === "folder") this.fromAces.set(node.id, perms);
    return perms;
  }
}
