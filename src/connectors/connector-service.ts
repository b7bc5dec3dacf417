/**
 * The rules of connectors of one type, whatever calls them (the HTTP routes today): create, read,
 * list, PATCH, delete, the connection test, identity mappings and the audit trail.
 *
 * - Create: MANAGE_PERMISSIONS on the target share (and the creator rule of connector-access.ts);
 *   every common field gets its default (connector-fields.ts); type fields are validated by the
 *   definition and split into plain `config` and sealed `secrets`; `target_path` is created.
 * - PATCH: `target_share_id` and the type's immutable fields refuse a change (409
 *   IMMUTABLE_FIELD); config merges over the stored one; a new secret replaces the stored one; a
 *   change of a field deciding where secrets go must carry them again (secret-scope.ts), and is
 *   reserved to connector creators; any save not saying `enabled: false` re-enables a connector an
 *   auth failure disabled (connector-auth-guard.ts).
 * - Delete cancels a running job, then removes the connector with its mappings, jobs and
 *   file-states (never content).
 *
 * Every create, update and delete is written to the audit trail (field names, scope fields and
 * dropped secrets; never values). Nothing here logs request bodies or configuration values.
 */
import type { Logger } from "pino";
import { AppError, isAppError } from "../core/errors.js";
import type { Actor } from "../core/actor.js";
import { SYSTEM_ACTOR } from "../core/actor.js";
import type { NodeService } from "../core/node-service.js";
import type { PrincipalService } from "../core/principal-service.js";
import { clampLimit, decodeCursor, encodeCursor } from "../core/pagination.js";
import type { ConnectorPatch, ConnectorRecord, NewConnector } from "../store/sync/connector-store.js";
import type { SyncStores } from "../store/sync/sync-stores.js";
import type { SecretsVault } from "../store/secrets/secrets-vault.js";
import { isScheduled } from "../sync/sync-schedule.js";
import {
  checkDestinationFields,
  splitConfig,
  type ConnectorDefinition,
  type OpenConfig,
} from "./connector-definition.js";
import {
  COMMON_FIELDS,
  columnFlagsOf,
  commonColumnsOnCreate,
  commonColumnsOnPatch,
  configInput,
  connectorView,
  effectiveConfig,
  immutableFieldsOf,
  typeInput,
  type Json,
} from "./connector-fields.js";
import { scopeChange, type ScopeChange } from "./secret-scope.js";
import type { ConnectorAccess } from "./connector-access.js";
import type { ConnectorAuthGuard } from "./connector-auth-guard.js";
import type { NetworkPolicy } from "./network-policy.js";
import { auditView, mappingView, pageOf } from "./connector-views.js";

/** What deleting a connector needs of the engine: stopping its job. */
export interface ConnectorJobCanceller {
  cancel(connectorId: string, jobId: string): Promise<unknown>;
}

export interface ConnectorServiceOptions {
  def: ConnectorDefinition;
  stores: Pick<SyncStores, "connectors" | "connectorAudit" | "identityMappings" | "jobs">;
  access: ConnectorAccess;
  nodes: Pick<NodeService, "locate" | "mkdirp">;
  principals: Pick<PrincipalService, "principalExists">;
  vault: SecretsVault;
  network: NetworkPolicy;
  authGuard: Pick<ConnectorAuthGuard, "saved">;
  jobs: ConnectorJobCanceller;
  logger: Logger;
}

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

export class ConnectorService {
  readonly def: ConnectorDefinition;
  private readonly log: Logger;

  constructor(private readonly o: ConnectorServiceOptions) {
    this.def = o.def;
    this.log = o.logger.child({ component: "connector-api", connectorType: o.def.type });
  }

  /** Creates a connector from a create body (schema-checked). @throws FORBIDDEN, VALIDATION_FAILED */
  async create(actor: Actor, body: Json): Promise<Json> {
    const { def } = this;
    const { shareId, input } = await this.checkCreate(actor, body);
    const common = commonColumnsOnCreate(def, body) as Omit<NewConnector, "type" | "config" | "secrets" | "created_by">;
    const { config, secrets } = splitConfig(def, configInput(def, input), this.o.vault);
    await this.ensureTarget(shareId, common.target_path, actor.userId);
    const created = await this.o.stores.connectors.create({
      type: def.type,
      ...common,
      config,
      secrets,
      created_by: actor.userId,
    });
    await this.audit(created, actor, "created", Object.keys(body).sort());
    this.log.info({ connectorId: created.id, shareId, userId: actor.userId }, "connector created");
    return connectorView(def, created, true, undefined);
  }

  /**
   * What create checks, in its order: the creator rule, MANAGE_PERMISSIONS on the target share, the
   * definition's validation (which may complete `input`) and the network policy for IP literals.
   * @throws FORBIDDEN, VALIDATION_FAILED
   */
  private async checkCreate(actor: Actor, body: Json): Promise<{ shareId: string; input: Json }> {
    const { def } = this;
    this.o.access.requireCreator(actor, "creating connectors");
    const shareId = body.target_share_id as string;
    try {
      await this.o.nodes.locate(actor, shareId, "/", "MANAGE_PERMISSIONS");
    } catch (err) {
      if (isAppError(err) && err.code === "NOT_FOUND") {
        throw new AppError(
          "VALIDATION_FAILED",
          `target_share_id: share ${shareId} does not exist or you cannot see it`,
          { field: "target_share_id" },
        );
      }
      if (isAppError(err) && err.code === "FORBIDDEN") {
        throw new AppError("FORBIDDEN", `creating a connector needs MANAGE_PERMISSIONS on share ${shareId}`);
      }
      throw err;
    }
    const input = typeInput(def, body);
    def.validate?.(input);
    checkDestinationFields(def, input, this.o.network);
    return { shareId, input };
  }
  /** Connectors of this type whose target share the caller can read, by id; managers see every field. */
  async list(actor: Actor, req: PageRequest): Promise<{ items: Json[]; next_cursor: string | null }> {
    const { connectors } = this.o.stores;
    const { access } = this.o;
    const limit = clampLimit(req.limit);
    let after = decodeCursor(req.cursor, ["after"])?.after;
    const items: ConnectorRecord[] = [];
    let more = false;
    while (items.length < limit) {
      const batch = await connectors.list({ type: this.def.type, after, limit: Math.max(limit, 50) });
      if (batch.length === 0) break;
      for (const c of batch) {
        after = c.id;
        if (!(await access.canSee(actor, c))) continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(c);
      }
      if (more) break;
    }
    if (!more && items.length === limit) {
      const rest = await connectors.list({ type: this.def.type, after: items[items.length - 1]!.id, limit: 50 });
      for (const c of rest)
        if (await access.canSee(actor, c)) {
          more = true;
          break;
        }
    }
    const views = await Promise.all(
      items.map(async (c) => connectorView(this.def, c, await access.canManage(actor, c), await this.newestJobAt(c))),
    );
    return { items: views, next_cursor: more ? encodeCursor({ after: items[items.length - 1]!.id }) : null };
  }

  /** @throws NOT_FOUND */
  async get(actor: Actor, id: string): Promise<Json> {
    const { connector, manager } = await this.o.access.load(actor, id, this.def.type, "read");
    return connectorView(this.def, connector, manager, await this.newestJobAt(connector));
  }

  /**
   * Applies a PATCH body (schema-checked). @throws NOT_FOUND, FORBIDDEN, IMMUTABLE_FIELD,
   * VALIDATION_FAILED, SECRET_REQUIRED
   */
  async patch(actor: Actor, id: string, body: Json): Promise<Json> {
    const { def } = this;
    const { connector: c } = await this.o.access.load(actor, id, def.type, "manage");
    this.refuseImmutableChanges(c, body);
    const { patch: typePatch, scope } = this.typeFieldsPatch(actor, c, typeInput(def, body));
    const patch: ConnectorPatch = { ...typePatch, ...commonColumnsOnPatch(def, body) };
    if (patch.target_path !== undefined) await this.ensureTarget(c.target_share_id, patch.target_path, actor.userId);
    let updated = await this.o.stores.connectors.update(c.id, patch);
    if (body.enabled !== false) updated = await this.o.authGuard.saved(updated);
    await this.audit(c, actor, "updated", Object.keys(body).sort(), scope);
    this.log.info(
      {
        connectorId: c.id,
        userId: actor.userId,
        fields: Object.keys(body),
        scopeFields: scope.changed,
        secretsDropped: scope.dropped,
      },
      "connector updated",
    );
    return connectorView(def, updated, true, await this.newestJobAt(updated));
  }

  /**
   * Cancels a running job, then removes the connector, its mappings, jobs and file-states. @throws NOT_FOUND, FORBIDDEN
   */
  async delete(actor: Actor, id: string): Promise<void> {
    const { connector: c } = await this.o.access.load(actor, id, this.def.type, "manage");
    const active = await this.o.stores.jobs.active(c.id);
    if (active) await this.o.jobs.cancel(c.id, active.id);
    await this.o.stores.connectors.delete(c.id);
    await this.audit(c, actor, "deleted", []);
    this.log.info({ connectorId: c.id, userId: actor.userId }, "connector deleted");
  }

  /**
   * Connects like a sync would: `{success, message, error}` plus the extra fields the definition's
   * `testResultSchema` declares (nothing else passes through). With `body` (PATCH fields) it tests
   * the stored configuration as that PATCH would leave it, under the same rules — immutable
   * fields, validation, network policy and the secret-scope rule (a changed host without the
   * password again is 400 SECRET_REQUIRED, so the stored password never reaches a new
   * destination) — and saves nothing. @throws NOT_FOUND, FORBIDDEN, IMMUTABLE_FIELD,
   * VALIDATION_FAILED, SECRET_REQUIRED
   */
  async test(actor: Actor, id: string, body?: Json | null): Promise<Json> {
    const { def } = this;
    const { connector: c } = await this.o.access.load(actor, id, def.type, "manage");
    if (!body || Object.keys(body).length === 0) return this.runTest(effectiveConfig(def, c, this.o.vault));
    this.refuseImmutableChanges(c, body);
    const { patch } = this.typeFieldsPatch(actor, c, typeInput(def, body));
    const edited: ConnectorRecord = {
      ...c,
      ...commonColumnsOnPatch(def, body),
      config: patch.config ?? c.config,
      secrets: patch.secrets ?? c.secrets,
    };
    this.log.info({ connectorId: c.id, userId: actor.userId, fields: Object.keys(body) }, "testing edited connector");
    return this.runTest(effectiveConfig(def, edited, this.o.vault));
  }

  /**
   * Tests a create body (schema-checked) without storing anything: the checks of create (creator
   * rule, MANAGE_PERMISSIONS on the target share, validation, network policy), then connects like
   * `test`. @throws FORBIDDEN, VALIDATION_FAILED
   */
  async testNew(actor: Actor, body: Json): Promise<Json> {
    const { def } = this;
    const { shareId, input } = await this.checkCreate(actor, body);
    this.log.info({ shareId, userId: actor.userId }, "testing new connector");
    const config: Json = { ...configInput(def, input) };
    for (const k of columnFlagsOf(def)) config[k] = commonColumnsOnCreate(def, body)[k];
    return this.runTest(config);
  }

  private async runTest(config: OpenConfig): Promise<Json> {
    const { def } = this;
    const r = await def.test(config, { network: this.o.network });
    const extra = r as unknown as Record<string, unknown>;
    const declared = Object.keys(def.testResultSchema?.properties ?? {});
    return {
      success: r.success,
      message: r.message,
      error: r.error,
      ...Object.fromEntries(declared.filter((k) => k in extra).map((k) => [k, extra[k]])),
    };
  }

  /** When the newest job of `c` was created (the schedule's anchor), undefined before the first. */
  private async newestJobAt(c: ConnectorRecord): Promise<string | undefined> {
    // Only a scheduled connector has a next run to work out; the others need no job lookup.
    if (!isScheduled(c)) return undefined;
    return (await this.o.stores.jobs.list(c.id, { limit: 1 }))[0]?.created_at;
  }

  // ---- identity mappings -----------------------------------------------------------------------

  /**
   * Maps a remote principal (trimmed; matched case-insensitively) to a ScaiDrive user or group,
   * with an optional display label for it (trimmed; blank is none).
   * @throws VALIDATION_FAILED (id of the wrong kind, unknown principal), ALREADY_EXISTS
   */
  async addMapping(actor: Actor, id: string, body: Json): Promise<Json> {
    const { def } = this;
    const { connector } = await this.o.access.load(actor, id, def.type, "manage");
    const principalId = body.scaidrive_principal_id as string;
    const type = body.identity_type as "user" | "group";
    if (!principalId.startsWith(type === "user" ? "usr_" : "grp_")) {
      throw new AppError(
        "VALIDATION_FAILED",
        `scaidrive_principal_id must be a ${type === "user" ? "usr_" : "grp_"} id for identity_type ${type}`,
        { field: "scaidrive_principal_id" },
      );
    }
    if (!(await this.o.principals.principalExists(principalId))) {
      throw new AppError("VALIDATION_FAILED", `scaidrive_principal_id: no ${type} ${principalId}`, {
        field: "scaidrive_principal_id",
      });
    }
    const remotePrincipal = (body[def.principalField] as string).trim();
    const mappings = this.o.stores.identityMappings;
    if ((await mappings.principalMap(connector.id)).has(remotePrincipal.toLowerCase())) {
      throw new AppError(
        "ALREADY_EXISTS",
        `${remotePrincipal} is already mapped on this connector (principals are case-insensitive)`,
        { field: def.principalField },
      );
    }
    const m = await mappings.create({
      connector_id: connector.id,
      identity_type: type,
      remote_principal: remotePrincipal,
      remote_display_name: (body.remote_display_name as string | null | undefined)?.trim() || null,
      scaidrive_principal_id: principalId,
    });
    return mappingView(m, def.principalField);
  }

  async listMappings(actor: Actor, id: string): Promise<{ identity_mappings: Json[] }> {
    const { connector } = await this.o.access.load(actor, id, this.def.type, "manage");
    return {
      identity_mappings: (await this.o.stores.identityMappings.list(connector.id)).map((m) =>
        mappingView(m, this.def.principalField),
      ),
    };
  }

  /** @throws NOT_FOUND */
  async getMapping(actor: Actor, id: string, mapId: string): Promise<Json> {
    const { connector } = await this.o.access.load(actor, id, this.def.type, "manage");
    const m = await this.o.stores.identityMappings.get(connector.id, mapId);
    if (!m) throw new AppError("NOT_FOUND", `identity mapping ${mapId} not found`);
    return mappingView(m, this.def.principalField);
  }

  /** @throws NOT_FOUND */
  async deleteMapping(actor: Actor, id: string, mapId: string): Promise<void> {
    const { connector } = await this.o.access.load(actor, id, this.def.type, "manage");
    if (!(await this.o.stores.identityMappings.delete(connector.id, mapId))) {
      throw new AppError("NOT_FOUND", `identity mapping ${mapId} not found`);
    }
  }

  // ---- audit trail -----------------------------------------------------------------------------

  /** Who created and changed the connector, newest first. Managers only. */
  async auditTrail(actor: Actor, id: string, req: PageRequest): Promise<{ items: Json[]; next_cursor: string | null }> {
    const { connector } = await this.o.access.load(actor, id, this.def.type, "manage");
    const limit = clampLimit(req.limit);
    const before = decodeCursor(req.cursor, ["before"])?.before;
    const rows = await this.o.stores.connectorAudit.list(connector.id, { before, limit: limit + 1 });
    const { page, next } = pageOf(rows, limit, (last) => encodeCursor({ before: last.id }));
    return { items: page.map(auditView), next_cursor: next };
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private audit(
    c: Pick<ConnectorRecord, "id">,
    actor: Actor,
    action: "created" | "updated" | "deleted",
    fields: string[],
    scope: ScopeChange = { changed: [], dropped: [] },
  ) {
    return this.o.stores.connectorAudit.record({
      connector_id: c.id,
      connector_type: this.def.type,
      actor_id: actor.userId ?? "system",
      action,
      fields,
      scope_fields: scope.changed,
      secrets_dropped: scope.dropped,
    });
  }

  /** @throws IMMUTABLE_FIELD for an immutable field sent with another value than the stored one. */
  private refuseImmutableChanges(c: ConnectorRecord, body: Json): void {
    for (const field of immutableFieldsOf(this.def)) {
      if (!(field in body)) continue;
      const common = COMMON_FIELDS.find((f) => f.name === field);
      const current = common ? common.read(c) : c.config[field];
      if (body[field] !== current)
        throw new AppError("IMMUTABLE_FIELD", `${field} cannot be changed; create a new connector instead`, { field });
    }
  }

  /**
   * The `config`/`secrets` part of a PATCH from the request's type fields: the definition may
   * complete the input and name superseded stored fields (`preparePatch`); config merges over the
   * stored one; new secrets are sealed; the secret-scope rule decides which stored secrets must
   * come again or are dropped. @throws VALIDATION_FAILED, SECRET_REQUIRED, FORBIDDEN (re-aiming
   * reserved to connector creators)
   */
  private typeFieldsPatch(
    actor: Actor,
    c: ConnectorRecord,
    input: Json,
  ): { patch: ConnectorPatch; scope: ScopeChange } {
    const { def } = this;
    const drops = def.preparePatch?.(input, { config: c.config, storedSecrets: Object.keys(c.secrets) }) ?? {};
    const { config, secrets } = splitConfig(def, configInput(def, input), this.o.vault);
    const keptConfig = Object.fromEntries(Object.entries(c.config).filter(([k]) => !drops.config?.includes(k)));
    const mergedConfig = { ...keptConfig, ...config };
    def.validate?.({ ...mergedConfig, ...input });
    // Only what the request sets: a stored address the policy has since come to refuse must not
    // block renaming or disabling the connector (its runs fail with DESTINATION_DENIED).
    checkDestinationFields(def, input, this.o.network);
    const scope = scopeChange(
      def,
      c,
      Object.keys(c.secrets).filter((k) => !drops.secrets?.includes(k)),
      input,
    );
    if (scope.changed.length > 0) this.o.access.requireCreator(actor, `changing ${scope.changed.join(", ")}`);
    const droppedSecrets = [...(drops.secrets ?? []), ...scope.dropped];
    const keptSecrets = Object.fromEntries(Object.entries(c.secrets).filter(([k]) => !droppedSecrets.includes(k)));
    const patch: ConnectorPatch = {};
    if (Object.keys(config).length > 0 || drops.config?.length) patch.config = mergedConfig;
    if (Object.keys(secrets).length > 0 || droppedSecrets.length > 0) patch.secrets = { ...keptSecrets, ...secrets };
    return { patch, scope };
  }

  /** Creates the target folder (system actor: the MANAGE_PERMISSIONS holder configures, the engine writes). */
  private async ensureTarget(shareId: string, path: string, ownerId: string | null): Promise<void> {
    if (path === "/") return;
    try {
      await this.o.nodes.mkdirp(shareId, path, { actor: SYSTEM_ACTOR, ownerId: ownerId ?? undefined });
    } catch (err) {
      if (
        isAppError(err) &&
        (err.code === "INVALID_NAME" || err.code === "CONFLICT" || err.code === "VALIDATION_FAILED")
      ) {
        throw new AppError("VALIDATION_FAILED", `target_path: ${err.message}`, { field: "target_path" });
      }
      throw err;
    }
  }
}
