import { AppError } from "./errors.js";
import { newId } from "./ids.js";
import { actorPrincipals, actorUserId, type Actor } from "./actor.js";
import { PERMISSIONS, encodePermissions } from "./permissions.js";
import { clampLimit, decodeCursor, encodeCursor, type Page } from "./pagination.js";
import { AclService } from "./acl-service.js";
import { normalizeName } from "./name-rules.js";
import { inTransaction, type DbExecutor } from "../store/core/db-executor.js";
import { shareStore, type ShareRecord } from "../store/core/share-store.js";
import { nodeStore } from "../store/core/node-store.js";
import { aclStore } from "../store/core/acl-store.js";

/** A share as the API shows it. */
export interface Share {
  id: string;
  name: string;
  description: string | null;
  created_by: string;
  created_at: string;
  root_id: string;
}

/**
 * Shares: a named tree with a root folder. A share is visible to admins, its creator and anyone
 * holding an ACE anywhere in it; to everyone else it does not exist (404).
 */
export class ShareService {
  constructor(
    private readonly db: DbExecutor,
    private readonly acl: AclService,
    private readonly onContentRemoved: () => void = () => {},
  ) {}

  /**
   * Creates the share, its root folder and a full ACE for the creator on the root. The name
   * (surrounding white space trimmed) follows the rules of file names (see name-rules.ts): a share
   * name ends up in paths, mount points and logs. @throws INVALID_NAME with `details.field: "name"`.
   */
  async create(actor: Actor, input: { name: string; description?: string | null }): Promise<Share> {
    let name: string;
    try {
      name = normalizeName(input.name.trim());
    } catch (err) {
      if (err instanceof AppError)
        throw new AppError(err.code, err.message.replace(/^invalid name/, "invalid share name"), {
          ...err.details,
          field: "name",
        });
      throw err;
    }
    const now = new Date().toISOString();
    const creator = actorUserId(actor) ?? "system";
    const share: ShareRecord = {
      id: newId("shr"),
      name,
      description: input.description ?? null,
      created_by: creator,
      created_at: now,
    };
    const rootId = newId("fil");
    await inTransaction(this.db, async (trx) => {
      await shareStore.insert(trx, share);
      await nodeStore.insert(trx, {
        id: rootId,
        share_id: share.id,
        parent_id: null,
        name: "",
        name_key: "",
        path: "/",
        type: "folder",
        size: 0,
        sha256: null,
        current_version_id: null,
        owner_id: actorUserId(actor),
        created_at: now,
        modified_at: now,
        acl_inherit: true,
        metadata: "{}",
      });
      if (!actor.isSystem)
        await aclStore.replace(trx, rootId, [{ principal_id: creator, permissions: encodePermissions(PERMISSIONS) }]);
    });
    return { ...share, root_id: rootId };
  }

  /** The share record if the actor can see it. @throws NOT_FOUND otherwise. */
  async getRecord(actor: Actor, id: string): Promise<ShareRecord> {
    const share = await shareStore.get(this.db, id);
    if (!share) throw new AppError("NOT_FOUND", `share ${id} not found`);
    if (actor.isAdmin || share.created_by === actor.userId) return share;
    if (!(await shareStore.hasAceFor(this.db, id, [...actorPrincipals(actor)])))
      throw new AppError("NOT_FOUND", `share ${id} not found`);
    return share;
  }

  async get(actor: Actor, id: string): Promise<Share> {
    return this.withRoot(await this.getRecord(actor, id));
  }

  async list(actor: Actor, opts: { limit?: number; cursor?: string }): Promise<Page<Share>> {
    const limit = clampLimit(opts.limit);
    const after = decodeCursor(opts.cursor, ["id"]);
    const rows = actor.isAdmin
      ? await shareStore.list(this.db, after?.id, limit + 1)
      : await shareStore.listVisible(this.db, [...actorPrincipals(actor)], after?.id, limit + 1);
    const items = await Promise.all(rows.slice(0, limit).map((s) => this.withRoot(s)));
    return { items, next_cursor: rows.length > limit ? encodeCursor({ id: items[items.length - 1].id }) : null };
  }

  /**
   * Deletes the share with all its content (blobs are collected afterwards).
   * @throws NOT_FOUND if invisible; FORBIDDEN unless admin or MANAGE_PERMISSIONS+DELETE on the root.
   */
  async delete(actor: Actor, id: string): Promise<void> {
    const share = await this.getRecord(actor, id);
    const root = await nodeStore.root(this.db, id);
    if (root) {
      const perms = await this.acl.effective(actor, share, [root]);
      if (!(perms.has("MANAGE_PERMISSIONS") && perms.has("DELETE"))) {
        throw new AppError("FORBIDDEN", "deleting a share needs DELETE and MANAGE_PERMISSIONS on its root");
      }
    }
    await shareStore.delete(this.db, id);
    this.onContentRemoved();
  }

  private async withRoot(s: ShareRecord): Promise<Share> {
    const root = await nodeStore.root(this.db, s.id);
    return { ...s, root_id: root?.id ?? "" };
  }
}
