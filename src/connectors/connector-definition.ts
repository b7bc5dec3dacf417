/**
 * Connectors register as data (design habit 6): one {@link ConnectorDefinition} per connector type
 * gives its type name, the remote's name (which spells the direction and conflict values), the
 * TypeBox schema of its type-specific configuration (with help text per field, so request
 * validation, OpenAPI and docs come from one source), which fields are secrets and which cannot
 * change, a factory for the engine's Remote and a connection test. The connector service
 * (`connector-service.ts`, with the common fields of `connector-fields.ts`), the HTTP surface
 * (`server/connector-routes.ts`) and the engine registration (`server/sync-engine-assembly.ts`)
 * are written once against this shape.
 *
 * Storage split: non-secret type fields go to the connector row's `config`; secret fields are
 * sealed with the secrets vault and kept in `secrets`; reads show `<field>_set: true` instead.
 */
import type { TObject } from "typebox";
import type { Logger } from "pino";
import { AppError } from "../core/errors.js";
import type { ConnectorRecord } from "../store/sync/connector-store.js";
import type { SecretsVault } from "../store/secrets/secrets-vault.js";
import type { Remote } from "../sync/remote.js";
import type { SyncHooks } from "../sync/sync-hooks.js";
import type { FileStateStore } from "../store/sync/file-state-store.js";
import { canonicalAddress } from "./network-cidr.js";
import { ALLOW_VARIABLE, DENY_VARIABLE, type NetworkPolicy } from "./network-policy.js";

/**
 * The answer of `POST /{id}/test` as the specs print it. A definition's `test` may return more
 * fields (SharePoint: `site_accessible`, `permissions`); the generic route passes through exactly
 * those its {@link ConnectorDefinition.testResultSchema} declares, so a type without one answers
 * exactly these three.
 */
export interface ConnectionTestResult {
  success: boolean;
  message: string;
  error: string | null;
}

/**
 * What every connection a definition opens must respect: the server's connector network policy
 * (`SCAIDRIVE_CONNECTOR_DENY_NETWORKS` / `_ALLOW_NETWORKS`). A refused address fails before any
 * socket is opened: RemoteError `destination_denied` from `openRemote` and the Remote's calls,
 * `error: "DESTINATION_DENIED"` from `test`.
 */
export interface ConnectorNetworkEnv {
  network: NetworkPolicy;
}

/**
 * What `openRemote` may use besides the configuration.
 *
 * `saveConfig` persists type-specific fields the remote learned or changed while opening or
 * running (a rotated refresh token, site/drive ids resolved from a URL): secret fields are sealed
 * through the vault, the others merged into the stored `config`; the merge is against the record
 * as stored now, so concurrent PATCHes of other fields survive. @throws Error for a key that is not
 * a field of the definition's configSchema (a programming error). Never logs values.
 */
export interface RemoteOpenEnv extends ConnectorNetworkEnv {
  logger: Logger;
  signal: AbortSignal;
  connectorId: string;
  /** A sync, push or pull job (never two at once per connector), or a live mount. */
  purpose: "run" | "mount";
  saveConfig(patch: Record<string, unknown>): Promise<void>;
}

/** The store operations {@link saveConfigFor} needs (the connector store fits). */
export interface ConnectorConfigWriter {
  get(id: string): Promise<Pick<ConnectorRecord, "config" | "secrets"> | undefined>;
  update(id: string, patch: { config?: Record<string, unknown>; secrets?: Record<string, string> }): Promise<unknown>;
}

/** What PATCH should drop from the stored record besides applying the request (see `preparePatch`). */
export interface PatchDrops {
  config?: readonly string[];
  secrets?: readonly string[];
}

/** What a definition's per-run hooks may use besides the configuration. */
export interface ConnectorHookEnv {
  connector: ConnectorRecord;
  /** The engine's file-state store (e.g. to keep per-item bookkeeping in `extra`). */
  fileStates: FileStateStore;
}

/** Type-specific configuration with secrets in plaintext: what the factory and the test receive. Never log it. */
export type OpenConfig = Record<string, unknown>;

export interface ConnectorDefinition {
  /** Stored in `connectors.type` and registered with the engine ("smb"). */
  type: string;
  /** Spells `<remote>_to_scaidrive`, `scaidrive_to_<remote>`, `<REMOTE>_WINS` ("smb"). */
  remoteName: string;
  /** Human name for documentation ("SMB"). */
  title: string;
  /**
   * Type-specific fields (every property carries a `description`). Required properties are
   * required on create; PATCH makes every property optional. Defaults in the schema apply on create.
   */
  configSchema: TObject;
  /** Write-only fields of configSchema: sealed at rest, never returned, `<field>_set` on reads. */
  secretFields: readonly string[];
  /**
   * Request-only fields of configSchema: `validate` (create) and `preparePatch` (PATCH) turn them into
   * stored fields and delete them from the input (a PFX file and its password become the PEM
   * certificate). Never stored, never in reads; secrets among them are listed in `secretFields` too.
   */
  requestOnlyFields?: readonly string[];
  /**
   * Fields of configSchema the definition derives from other input (a certificate's expiry and
   * subject): stored and shown in reads, refused in request bodies (they are not in the body schemas).
   */
  derivedFields?: readonly string[];
  /** Type-specific fields PATCH refuses with 409 IMMUTABLE_FIELD (`target_share_id` always is). */
  immutableFields: readonly string[];
  /**
   * Fields that decide where the stored secrets are presented or what they reach (host, share,
   * tenant, site...). A PATCH that changes one must send the secrets again — otherwise whoever may
   * edit the connector could aim the stored credential at a server of their choosing or at data
   * the connector was never meant to reach (see secret-scope.ts).
   */
  secretScopeFields: readonly string[];
  /**
   * Secrets the server obtains itself rather than from the request (a refresh token from the OAuth
   * callback): a scope change drops them instead of requiring them, and the connector needs that
   * flow again.
   */
  reissuedSecrets?: readonly string[];
  /**
   * Plain fields the server writes into `config` itself (who signed in, and when): shown to managers on reads like
   * the config fields, never accepted in a request body. Schemas with descriptions, for the read schema.
   */
  serverFields?: TObject;
  /** Name of the remote-principal field of identity mappings ("smb_principal"). */
  principalField: string;
  /** Default `sync_direction` on create (one of the remote's direction values). */
  defaultDirection: string;
  /**
   * Checks beyond the schema (paths, host names). Receives the merged configuration (stored values
   * overlaid by the request). @throws AppError VALIDATION_FAILED with `details.field`.
   */
  validate?(config: OpenConfig): void;
  /**
   * Fields holding the host name or IP address the connector connects to (SMB: `server_host`).
   * On create, and on PATCH when the request sets them, an IP literal the network policy refuses
   * is 400 VALIDATION_FAILED naming the field (see {@link checkDestinationFields}); names are
   * checked when connecting, since what they resolve to can change.
   */
  destinationFields?: readonly string[];
  /**
   * Whether a job (sync, push/pull) or mount that fails with CONNECTOR_AUTH_FAILED disables the
   * connector and raises a `connector_auth_failed` alert until it is saved again (PATCH, even
   * `{}`). Types whose retries with a refused credential do harm set it: OAuth grants that were
   * revoked stay revoked, and a directory's lockout policy locks the service account after a few
   * failed logons.
   */
  disableOnAuthFailure?: boolean;
  /**
   * Opens and authenticates the Remote (a sync run, a push/pull job or a mount). @throws
   * RemoteError `auth` for rejected credentials, `unreachable` for network failures (the engine
   * retries those with backoff).
   */
  openRemote(config: OpenConfig, env: RemoteOpenEnv): Promise<Remote>;
  /**
   * Connects like a sync would and reports what happened. Never throws, never echoes secrets.
   * Extra fields of the result reach the client when {@link testResultSchema} declares them.
   */
  test(config: OpenConfig, env: ConnectorNetworkEnv): Promise<ConnectionTestResult>;
  /**
   * Fields of the test answer beyond `{success, message, error}` (JSON schema properties with
   * descriptions); its `description` documents the test route. Absent: exactly the three fields.
   */
  testResultSchema?: TObject;
  /**
   * PATCH only, before validation: may complete the request's type-specific `input` (mutated; e.g.
   * derive a certificate's thumbprint so the stored one of the old certificate is replaced, not
   * compared) and names stored fields the change supersedes (a new certificate replaces a stored
   * client secret). `storedSecrets` names the secret fields currently stored.
   */
  preparePatch?(
    input: Record<string, unknown>,
    stored: { config: Record<string, unknown>; storedSecrets: readonly string[] },
  ): PatchDrops | void;
  /**
   * Per-run hooks of this connector type (SharePoint: version history, list columns), run after
   * the generic identity/ACL hooks (see server/sync-engine-assembly.ts). Called once per run.
   */
  hooks?(config: OpenConfig, env: ConnectorHookEnv): SyncHooks;
}

/**
 * Refuses destination fields of `input` (only those present) that are IP literals `network`
 * refuses. @throws AppError VALIDATION_FAILED with `details.field`.
 */
export function checkDestinationFields(
  def: ConnectorDefinition,
  input: Record<string, unknown>,
  network: NetworkPolicy,
): void {
  for (const field of def.destinationFields ?? []) {
    const value = input[field];
    if (typeof value !== "string") continue;
    const literal = canonicalAddress(value);
    if (!literal || network.permits(value)) continue;
    const shown = literal.address === value.trim() ? value.trim() : `${value.trim()} (${literal.address})`;
    throw new AppError(
      "VALIDATION_FAILED",
      `${field}: ${shown} is an address this server's ` +
        `connector network policy refuses (${DENY_VARIABLE} / ${ALLOW_VARIABLE})`,
      { field },
    );
  }
}

/** Splits type-specific input into plain config and sealed secrets (only keys present in `input`). */
export function splitConfig(
  def: ConnectorDefinition,
  input: Record<string, unknown>,
  vault: SecretsVault,
): { config: Record<string, unknown>; secrets: Record<string, string> } {
  const config: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const key of Object.keys(def.configSchema.properties)) {
    if (!(key in input) || input[key] === undefined || def.requestOnlyFields?.includes(key)) continue;
    if (def.secretFields.includes(key)) secrets[key] = vault.seal(String(input[key]));
    else config[key] = input[key];
  }
  return { config, secrets };
}

/**
 * The stored connector's type configuration with its secrets opened. @throws AppError INTERNAL
 * when a sealed secret cannot be opened (wrong vault key): the message names the field only.
 */
export function openConfig(
  def: ConnectorDefinition,
  connector: Pick<ConnectorRecord, "config" | "secrets">,
  vault: SecretsVault,
): OpenConfig {
  const out: OpenConfig = { ...connector.config };
  for (const field of def.secretFields) {
    const sealed = connector.secrets[field];
    if (sealed === undefined) continue;
    try {
      out[field] = vault.open(sealed);
    } catch (err) {
      throw new AppError(
        "INTERNAL",
        `the stored ${field} cannot be decrypted with this server's secret key`,
        { field },
        { cause: err },
      );
    }
  }
  return out;
}

/** `RemoteOpenEnv.saveConfig` for one stored connector of `def`. */
export function saveConfigFor(
  def: ConnectorDefinition,
  connectorId: string,
  store: ConnectorConfigWriter,
  vault: SecretsVault,
): (patch: Record<string, unknown>) => Promise<void> {
  return async (patch) => {
    const unknown = Object.keys(patch).filter((k) => !(k in def.configSchema.properties));
    if (unknown.length > 0)
      throw new Error(
        `saveConfig: ${unknown.join(", ")} ${unknown.length === 1 ? "is not a field" : "are not fields"} of ${def.type} connectors`,
      );
    const current = await store.get(connectorId);
    if (!current) return;
    const { config, secrets } = splitConfig(def, patch, vault);
    const update: { config?: Record<string, unknown>; secrets?: Record<string, string> } = {};
    if (Object.keys(config).length > 0) update.config = { ...current.config, ...config };
    if (Object.keys(secrets).length > 0) update.secrets = { ...current.secrets, ...secrets };
    if (update.config || update.secrets) await store.update(connectorId, update);
  };
}

/** The type-specific part of a read: plain fields as stored, secrets only as `<field>_set`. */
export function configView(
  def: ConnectorDefinition,
  connector: Pick<ConnectorRecord, "config" | "secrets">,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(def.configSchema.properties)) {
    if (def.requestOnlyFields?.includes(key)) continue;
    if (def.secretFields.includes(key)) out[`${key}_set`] = typeof connector.secrets[key] === "string";
    else if (key in connector.config) out[key] = connector.config[key];
  }
  for (const key of Object.keys(def.serverFields?.properties ?? {}))
    if (key in connector.config) out[key] = connector.config[key];
  return out;
}
