/**
 * The connection dialog's form as data: its state (from a saved connection or the defaults), the
 * create body, the PATCH body of what changed, and which changes decide where a stored secret goes
 * (the API's secret-scope rule: those need the secret again).
 */
import type { Connector, ConnectorType } from "../../../api/connectors";
import type { ConnectorBody } from "../../../api/connector-edit";
import type { CredentialValue } from "./CredentialFields";

export type AuthType = "app_auth" | "user_auth";

export interface PatternLists {
  extensions: string[];
  patterns: string[];
}

export interface ConnectionForm {
  name: string;
  description: string;
  target_share_id: string;
  target_path: string;
  sync_direction: string;
  conflict_resolution: string;
  sync_permissions: boolean;
  sync_hidden_files: boolean;
  sync_system_files: boolean;
  include: PatternLists;
  exclude: PatternLists;
  /** 0: manual only. */
  sync_interval_minutes: number;
  max_delete_percent: number;
  // SMB
  server_host: string;
  server_port: number;
  share_name: string;
  base_path: string;
  domain: string;
  username: string;
  // SharePoint
  auth_type: AuthType;
  site_url: string;
  library_name: string;
  azure_tenant_id: string;
  azure_client_id: string;
  sync_versions: boolean;
  sync_metadata: boolean;
  credentials: CredentialValue;
}

/** Fields whose change presents the stored secrets to a new destination (the server's `secretScopeFields`). */
export const SCOPE_FIELDS: Record<ConnectorType, (keyof ConnectionForm)[]> = {
  smb: ["server_host", "server_port", "share_name", "base_path", "domain", "username"],
  sharepoint: ["azure_tenant_id", "azure_client_id", "site_url", "library_name", "base_path"],
};

const TYPE_FIELDS: Record<ConnectorType, (keyof ConnectionForm)[]> = {
  smb: ["server_host", "server_port", "share_name", "base_path", "domain", "username"],
  sharepoint: [
    "auth_type",
    "site_url",
    "library_name",
    "base_path",
    "azure_tenant_id",
    "azure_client_id",
    "sync_versions",
    "sync_metadata",
  ],
};

const COMMON_FIELDS = [
  "name",
  "description",
  "target_path",
  "sync_direction",
  "conflict_resolution",
  "sync_permissions",
  "sync_hidden_files",
  "sync_system_files",
  "sync_interval_minutes",
  "max_delete_percent",
] as const;

const str = (v: unknown, d = ""): string => (typeof v === "string" ? v : d);
const num = (v: unknown, d: number): number => (typeof v === "number" ? v : d);
const bool = (v: unknown, d = false): boolean => (typeof v === "boolean" ? v : d);

function lists(v: unknown): PatternLists {
  const set = (v ?? {}) as { extensions?: string[]; patterns?: string[] };
  return { extensions: [...(set.extensions ?? [])], patterns: [...(set.patterns ?? [])] };
}

/** The form of a saved connection, or of a new one of `type` with the API's defaults. */
export function initialForm(type: ConnectorType, c?: Connector): ConnectionForm {
  return {
    name: str(c?.name),
    description: str(c?.description),
    target_share_id: str(c?.target_share_id),
    target_path: str(c?.target_path, "/"),
    sync_direction: str(c?.sync_direction, `${type}_to_scaidrive`),
    conflict_resolution: str(c?.conflict_resolution, "LAST_WRITER_WINS"),
    sync_permissions: bool(c?.sync_permissions),
    sync_hidden_files: bool(c?.sync_hidden_files),
    sync_system_files: bool(c?.sync_system_files),
    include: lists(c?.include_patterns),
    exclude: lists(c?.exclude_patterns),
    sync_interval_minutes: num(c?.sync_interval_minutes, 0),
    max_delete_percent: num(c?.max_delete_percent, 50),
    server_host: str(c?.server_host),
    server_port: num(c?.server_port, 445),
    share_name: str(c?.share_name),
    base_path: str(c?.base_path),
    domain: str(c?.domain),
    username: str(c?.username),
    auth_type: c?.auth_type === "user_auth" ? "user_auth" : "app_auth",
    site_url: str(c?.site_url),
    library_name: str(c?.library_name),
    azure_tenant_id: str(c?.azure_tenant_id),
    azure_client_id: str(c?.azure_client_id),
    sync_versions: bool(c?.sync_versions),
    sync_metadata: bool(c?.sync_metadata),
    credentials: {},
  };
}

/** A pattern set as the API takes it: null when empty (everything / nothing excluded). */
export function patternBody(p: PatternLists): { extensions?: string[]; patterns?: string[] } | null {
  const extensions = p.extensions.map((e) => e.trim()).filter(Boolean);
  const patterns = p.patterns.map((e) => e.trim()).filter(Boolean);
  if (!extensions.length && !patterns.length) return null;
  return { ...(extensions.length ? { extensions } : {}), ...(patterns.length ? { patterns } : {}) };
}

/** Only the credential fields that carry something (an empty box keeps the stored secret). */
function credentialBody(type: ConnectorType, f: ConnectionForm): ConnectorBody {
  const out: ConnectorBody = {};
  for (const [k, v] of Object.entries(f.credentials)) {
    if (typeof v !== "string") continue;
    if (k === "azure_client_certificate_pfx_password") {
      if (f.credentials.azure_client_certificate_pfx !== undefined) out[k] = v;
      continue;
    }
    if (v !== "") out[k] = v;
  }
  if (type === "sharepoint" && f.auth_type === "user_auth") return {};
  return out;
}

function value(f: ConnectionForm, k: keyof ConnectionForm): unknown {
  if (k === "description") return f.description.trim() === "" ? null : f.description;
  if (k === "name") return f.name.trim();
  if (typeof f[k] === "string") return (f[k] as string).trim();
  return f[k];
}

/** The body of `POST /{type}-connectors` (and of the test before saving). */
export function createBody(type: ConnectorType, f: ConnectionForm): ConnectorBody {
  const body: ConnectorBody = { target_share_id: f.target_share_id };
  for (const k of COMMON_FIELDS) body[k] = value(f, k);
  body.target_path = normalizedTarget(f.target_path);
  body.include_patterns = patternBody(f.include);
  body.exclude_patterns = patternBody(f.exclude);
  for (const k of TYPE_FIELDS[type]) {
    const v = value(f, k);
    // SharePoint's site and library may be left empty (the library can be chosen after saving); the API takes no "".
    if (v === "" && (k === "library_name" || k === "site_url")) continue;
    body[k] = v;
  }
  return { ...body, ...credentialBody(type, f) };
}

export function normalizedTarget(p: string): string {
  const segs = p.split("/").filter((s) => s.trim() !== "");
  return "/" + segs.join("/");
}

/** The PATCH body: each field that differs from the saved connection, plus any credential typed in. */
export function patchBody(type: ConnectorType, c: Connector, f: ConnectionForm): ConnectorBody {
  const before = createBody(type, initialForm(type, c));
  const after = createBody(type, f);
  const out: ConnectorBody = {};
  for (const [k, v] of Object.entries(after)) {
    if (k === "target_share_id") continue;
    if (JSON.stringify(before[k] ?? null) !== JSON.stringify(v ?? null)) out[k] = v;
  }
  return out;
}

/** The fields of `f` that decide where the stored secrets go and differ from the saved connection. */
export function changedScopeFields(type: ConnectorType, c: Connector | undefined, f: ConnectionForm): string[] {
  if (!c) return [];
  const saved = initialForm(type, c);
  return SCOPE_FIELDS[type].filter((k) => JSON.stringify(value(saved, k)) !== JSON.stringify(value(f, k)));
}

/** Whether the saved connection holds a secret the request must carry again after a scope change. */
export function hasStoredSecret(type: ConnectorType, c: Connector | undefined, authType: AuthType): boolean {
  if (!c) return false;
  if (type === "smb") return c.password_set === true;
  if (authType === "user_auth") return false;
  return c.azure_client_secret_set === true || c.azure_client_certificate_pem_set === true;
}

/** Whether some credential was typed or chosen. */
export function hasCredential(f: ConnectionForm): boolean {
  return Object.entries(f.credentials).some(
    ([k, v]) => k !== "azure_client_certificate_pfx_password" && typeof v === "string" && v !== "",
  );
}

export const FIELD_LABELS: Record<string, string> = {
  server_host: "server",
  server_port: "port",
  share_name: "share",
  base_path: "folder",
  domain: "domain",
  username: "user name",
  azure_tenant_id: "tenant",
  azure_client_id: "client ID",
  site_url: "site",
  library_name: "library",
};
