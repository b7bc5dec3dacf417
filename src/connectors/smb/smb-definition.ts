/**
 * The SMB connector as data: its configuration fields (spec `smb-connector.md`, "All
 * configuration fields"), the write-only password, the Remote factory and the connection test.
 * `server_port` defaults to 445, `domain` and `base_path` to "" (the share root). Every
 * connection (runs, mounts, the test) resolves `server_host` through the server's connector
 * network policy; an IP-literal `server_host` it refuses is already refused on create/PATCH.
 */
import { Type } from "typebox";
import { AppError } from "../../core/errors.js";
import type { ConnectorDefinition, OpenConfig, RemoteOpenEnv } from "../connector-definition.js";
import { createSmbRemote } from "./smb-remote.js";
import { testSmbConnection } from "./smb-connection-test.js";

const configSchema = Type.Object(
  {
    server_host: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: "^[^\\s\\\\/]+$",
      description:
        "SMB server: DNS name or IP address (no scheme, no " +
        "backslashes), e.g. fs01.corp.example.com; its address must " +
        "be one the server's connector network policy permits (SCAIDRIVE_CONNECTOR_DENY_NETWORKS / _ALLOW_NETWORKS)",
    }),
    server_port: Type.Integer({
      minimum: 1,
      maximum: 65535,
      default: 445,
      description: "TCP port of the SMB service (1-65535); default 445",
    }),
    share_name: Type.String({
      minLength: 1,
      maxLength: 80,
      pattern: '^[^\\\\/:*?"<>|\\x00-\\x1f]+$',
      description: 'Name of the SMB share (its root), e.g. Finance; no \\ / : * ? " < > |',
    }),
    base_path: Type.String({
      maxLength: 4096,
      default: "",
      description:
        "Folder inside the share that is synced, relative to the share root (e.g. " +
        '2026 or 2026/Q1; no leading slash, no ..); default "" = the whole share',
    }),
    domain: Type.String({
      maxLength: 255,
      default: "",
      description: 'NT domain or workgroup of the service account (e.g. CORP); "" for a local account',
    }),
    username: Type.String({ minLength: 1, maxLength: 256, description: "Service account the connector logs in with" }),
    password: Type.String({
      minLength: 1,
      maxLength: 1024,
      description:
        "Password of the service account. Write-only: encrypted " +
        "at rest, never returned (reads show password_set: true)",
    }),
  },
  { additionalProperties: false },
);

function str(config: OpenConfig, key: string): string {
  const v = config[key];
  return typeof v === "string" ? v : "";
}

function validateBasePath(value: string): void {
  const fail = (why: string) => {
    throw new AppError("VALIDATION_FAILED", `base_path ${why}`, { field: "base_path" });
  };
  if (/^[\\/]/.test(value) || /^[A-Za-z]:/.test(value))
    fail("must be relative to the share root (no leading slash or drive letter)");
  if (value.split(/[\\/]+/).some((s) => s === "..")) fail("must not contain '..' segments");
  if (/[\x00-\x1f]/.test(value)) fail("must not contain control characters");
}

function smbConfig(config: OpenConfig) {
  return {
    host: str(config, "server_host"),
    port: typeof config.server_port === "number" ? config.server_port : 445,
    domain: str(config, "domain"),
    username: str(config, "username"),
    password: str(config, "password"),
    shareName: str(config, "share_name"),
    basePath: str(config, "base_path"),
  };
}

/**
 * The stable temp-file owner of a connector's runs (see `SmbRemoteConfig.tempOwner`): the engine
 * runs one job per connector at a time, so a run may delete its own connector's leftovers. Mounts
 * get none and only clean up stale temp files, since they write while runs may be going on.
 */
function runTempOwner(env: RemoteOpenEnv): string | undefined {
  return env.purpose === "run" ? `connector:${env.connectorId}` : undefined;
}

export const smbDefinition: ConnectorDefinition = {
  type: "smb",
  remoteName: "smb",
  title: "SMB",
  configSchema,
  secretFields: ["password"],
  immutableFields: [],
  // The password is presented to this host and port and opens this share for this account.
  secretScopeFields: ["server_host", "server_port", "share_name", "base_path", "domain", "username"],
  principalField: "smb_principal",
  // SMB is the system of record until an admin opts into two-way sync (the spec's onboarding advice).
  defaultDirection: "smb_to_scaidrive",
  // Scheduled runs retrying a refused password can trip the domain's account lockout policy and
  // lock the service account for everyone who uses it: stop after the first refusal until saved.
  disableOnAuthFailure: true,
  validate(config) {
    validateBasePath(str(config, "base_path"));
  },
  destinationFields: ["server_host"],
  async openRemote(config, env) {
    const remote = createSmbRemote({
      ...smbConfig(config),
      network: env.network,
      logger: env.logger,
      tempOwner: runTempOwner(env),
    });
    try {
      await remote.connect();
    } catch (err) {
      await remote.close().catch(() => undefined);
      throw err;
    }
    return remote;
  },
  test(config, env) {
    return testSmbConnection({ ...smbConfig(config), network: env.network });
  },
};
