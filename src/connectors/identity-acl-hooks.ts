/**
 * Generic permission and owner translation for any connector whose Remote can read ACLs
 * (`capabilities.acl` + `acl(path)`): with `sync_permissions` on, every item the engine writes
 * into ScaiDrive gets the remote item's ACL as ScaiDrive ACEs, remote principals translated
 * through the connector's identity mappings.
 *
 * Rules (documented in README "Connectors"):
 * - The sync root (`target_path`) gets the remote base folder's effective ACL (explicit and
 *   inherited entries) once per run, before the first item, keeping ScaiDrive inheritance on —
 *   unless the root is the share root, whose ACL (the share's own grants) is never replaced.
 * - Every other item gets its explicit (non-inherited) entries as its own ACEs; entries the
 *   remote marks inherited come through ScaiDrive's own inheritance from the parent folder. The
 *   item's inheritance flag follows the remote's (a protected DACL breaks inheritance).
 * - Several entries for one ScaiDrive principal are merged. Deny entries have no ScaiDrive
 *   counterpart: they are dropped with a warning.
 * - An unmapped principal adds one `warning` job-log entry per run and its permissions go to the
 *   connector's service identity (the connector's creator) instead; the owner, when mapped to a
 *   user, becomes the ScaiDrive owner, otherwise the service identity does.
 * - ACLs are applied only when the engine writes content or creates a folder; ScaiDrive ACL
 *   changes are never written back to the remote. Failures are warnings (engine rule for hooks).
 */
import type { ConnectorRecord } from "../store/sync/connector-store.js";
import type { IdentityMappingRecord } from "../store/sync/identity-mapping-store.js";
import { isPermission } from "../core/permissions.js";
import type { HookContext, SyncHooks } from "../sync/sync-hooks.js";
import type { Remote, RemoteAcl } from "../sync/remote.js";

/** The ScaiDrive-side operations the hooks need (ScaidriveRemote has them). */
interface AclTarget {
  setAcl(path: string, aces: Array<{ principal_id: string; permissions: string[] }>, inherit: boolean): Promise<void>;
  setOwner(path: string, principalId: string): Promise<void>;
}

export interface IdentityAclHookOptions {
  connector: Pick<ConnectorRecord, "id" | "sync_permissions" | "target_path">;
  /** Mappings keyed by lower-cased remote principal (IdentityMappingStore.principalMap). */
  loadMappings(): Promise<Map<string, IdentityMappingRecord>>;
  /** Who receives unmapped principals' permissions and ownership; null: they are dropped. */
  serviceUserId: string | null;
  /** Remote name used in warnings ("SMB"). */
  remoteTitle: string;
}

function hasAclTarget(x: unknown): x is AclTarget {
  return typeof (x as AclTarget).setAcl === "function" && typeof (x as AclTarget).setOwner === "function";
}

function readsAcl(r: Remote): r is Remote & { acl(path: string): Promise<RemoteAcl> } {
  return r.capabilities.acl && typeof r.acl === "function";
}

/** One hooks object per run: the warned-principal set and the root flag live for that run only. */
export function createIdentityAclHooks(o: IdentityAclHookOptions): SyncHooks {
  let mappings = new Map<string, IdentityMappingRecord>();
  const warned = new Set<string>();
  let rootDone = o.connector.target_path === "/";

  const warnOnce = (ctx: HookContext, key: string, path: string, message: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    ctx.warn(path, message);
  };

  const translate = async (ctx: HookContext, target: AclTarget, path: string, acl: RemoteAcl, root: boolean) => {
    const aces = new Map<string, Set<string>>();
    for (const e of acl.entries) {
      if (e.inherited && !root) continue;
      if (e.deny) {
        warnOnce(
          ctx,
          `deny:${e.principal.toLowerCase()}`,
          path,
          `${o.remoteTitle} deny entry for ${e.principal} is not translated: ScaiDrive ACLs have no deny`,
        );
        continue;
      }
      const m = mappings.get(e.principal.toLowerCase());
      let principal = m?.scaidrive_principal_id;
      if (!m) {
        warnOnce(
          ctx,
          e.principal.toLowerCase(),
          path,
          `unmapped ${o.remoteTitle} principal ${e.principal}: add an identity mapping; meanwhile ` +
            `its permissions go to the connector's service account`,
        );
        principal = o.serviceUserId ?? undefined;
      }
      if (!principal) continue;
      const set = aces.get(principal) ?? new Set<string>();
      for (const p of e.permissions) if (isPermission(p)) set.add(p);
      aces.set(principal, set);
    }
    const list = [...aces]
      .filter(([, p]) => p.size > 0)
      .map(([principal_id, p]) => ({ principal_id, permissions: [...p] }));
    await target.setAcl(path, list, root ? true : acl.inherit);
    if (root || !acl.owner) return;
    const owner = mappings.get(acl.owner.toLowerCase());
    if (owner && owner.identity_type === "user") {
      await target.setOwner(path, owner.scaidrive_principal_id);
      return;
    }
    if (!owner) {
      warnOnce(
        ctx,
        acl.owner.toLowerCase(),
        path,
        `unmapped ${o.remoteTitle} principal ${acl.owner}: add an identity mapping; meanwhile ` +
          `its permissions go to the connector's service account`,
      );
    }
    if (o.serviceUserId) await target.setOwner(path, o.serviceUserId);
  };

  return {
    async beforeRun() {
      if (o.connector.sync_permissions) mappings = await o.loadMappings();
    },
    async afterPull(ctx, remoteEntry, scaidriveEntry) {
      if (!o.connector.sync_permissions || !readsAcl(ctx.remote) || !hasAclTarget(ctx.scaidrive)) return;
      const target = ctx.scaidrive;
      if (!rootDone) {
        rootDone = true;
        await translate(ctx, target, "", await ctx.remote.acl(""), true);
      }
      await translate(ctx, target, scaidriveEntry.path, await ctx.remote.acl(remoteEntry.path), false);
    },
  };
}
