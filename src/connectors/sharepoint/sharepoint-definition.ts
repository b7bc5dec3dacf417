/**
 * The SharePoint connector as data (spec `sharepoint-connector.md`, "Configuration fields"):
 * its type fields with help text, the write-only credentials, the Remote factory, the
 * connection test and the per-run hooks (versions, columns).
 *
 * Credentials: `auth_type: app_auth` needs `azure_client_secret` or `azure_client_certificate_pem`
 * (PEM with the private key AND the certificate; checked on input, 400 naming what is wrong;
 * `azure_client_certificate_thumbprint` is derived from it when absent, and must match it when
 * given). `auth_type: user_auth` gets its `refresh_token` from the OAuth callback
 * (`POST /{id}/authorize`). Secrets are sealed at rest and only reported as `<field>_set`.
 * Entra and Graph locations come from `SCAIDRIVE_ENTRA_AUTHORITY_HOST` / `SCAIDRIVE_GRAPH_BASE_URL`
 * (Microsoft's public cloud by default), read when a remote is opened; every request to them and
 * to the URLs Graph hands back goes through the server's connector network policy (`env.network`).
 *
 * Opening a remote persists, through `env.saveConfig`, a refresh token Entra rotated and the
 * `site_id` / `drive_id` resolved from `site_url` + `library_name` (so later runs skip the lookup).
 * An auth failure disables the connector (`disableOnAuthFailure`, remote-mount spec): a revoked
 * grant or expired secret stays refused until someone fixes it and saves the connector again.
 */
import { Type } from "typebox";
import { AppError } from "../../core/errors.js";
import type { ConnectorDefinition, ConnectionTestResult, OpenConfig } from "../connector-definition.js";
import { endpointsFromEnv, type SharePointEndpoints } from "./sharepoint-endpoints.js";
import { CertificateError, parseClientCertificatePem } from "./sharepoint-certificate.js";
import { pfxToPem } from "./sharepoint-pfx.js";
import type { SharePointConnectorSettings } from "./sharepoint-connect.js";
import type { SharePointConnectionTestResult } from "./sharepoint-connection-test.js";
import { createSharePointSyncHooks } from "./sharepoint-sync-hooks.js";
import { loadSharePointRuntime } from "./sharepoint-runtime-loader.js";

const GUIDISH = "^[0-9A-Za-z][0-9A-Za-z.-]{0,127}$";

const configSchema = Type.Object(
  {
    site_url: Type.String({
      maxLength: 2048,
      pattern: "^https://",
      description:
        "SharePoint site URL, e.g. https://contoso.sharepoint.com/sites/marketing; " +
        "with library_name it is resolved to site_id/drive_id when those are absent",
    }),
    site_id: Type.String({
      minLength: 1,
      maxLength: 512,
      description: "Graph site id (host,siteGuid,webGuid); from GET /{id}/sites",
    }),
    drive_id: Type.String({
      minLength: 1,
      maxLength: 512,
      description: "Graph drive id of the document library (b!...); from GET /{id}/drives?site_id=",
    }),
    library_name: Type.String({
      minLength: 1,
      maxLength: 255,
      description: "Document library name (e.g. Documents); used with site_url when drive_id is absent",
    }),
    base_path: Type.String({
      maxLength: 4096,
      default: "",
      description:
        "Folder inside the library that is synced (e.g. Campaigns/2026; " +
        'no leading slash, no ..); default "" = the whole library',
    }),
    azure_tenant_id: Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: GUIDISH,
      description: "Entra ID (Azure AD) tenant id or domain",
    }),
    azure_client_id: Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: GUIDISH,
      description: "Application (client) id of the app registration",
    }),
    azure_client_secret: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: "Client secret of the app. Write-only (azure_client_secret_set on reads)",
    }),
    azure_client_certificate_pem: Type.String({
      minLength: 1,
      maxLength: 65536,
      description:
        "Certificate credential instead of a secret: PEM text with the unencrypted private key and the " +
        "certificate registered on the app. Write-only (azure_client_certificate_pem_set on reads)",
    }),
    azure_client_certificate_pfx: Type.String({
      minLength: 1,
      maxLength: 90000,
      description:
        "Certificate credential as a PKCS#12 file (.pfx/.p12), base64: converted on the server to " +
        "azure_client_certificate_pem (the key and the certificate that belongs to it). " +
        "Write-only, never stored as sent",
    }),
    azure_client_certificate_pfx_password: Type.String({
      maxLength: 1024,
      description: 'Password of azure_client_certificate_pfx (omit or "" for none). Write-only, never stored',
    }),
    azure_client_certificate_expires_at: Type.String({
      format: "date-time",
      description: "Read-only: when the stored certificate expires (derived from it)",
    }),
    azure_client_certificate_subject: Type.String({
      description: "Read-only: the stored certificate's subject (derived from it)",
    }),
    azure_client_certificate_thumbprint: Type.String({
      pattern: "^([0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$",
      description:
        "SHA-1 (as the Azure portal lists it) or SHA-256 hex thumbprint of the " +
        "certificate; derived (SHA-1) from azure_client_certificate_pem when absent",
    }),
    auth_type: Type.Union([Type.Literal("app_auth"), Type.Literal("user_auth")], {
      default: "app_auth",
      description:
        "app_auth: app-only token (Sites.Selected or Sites.ReadWrite.All); user_auth: " +
        "delegated, a user signs in through POST /{id}/authorize. Default app_auth",
    }),
    refresh_token: Type.String({
      minLength: 1,
      maxLength: 16384,
      description:
        "user_auth: the user's refresh token, stored by the OAuth callback. Write-only (refresh_token_set on reads)",
    }),
    sync_versions: Type.Boolean({
      default: false,
      description:
        "Import SharePoint version history as ScaiDrive versions (oldest first, latest current); default false",
    }),
    sync_metadata: Type.Boolean({
      default: false,
      description:
        "Copy list-item column values into the file's metadata dict as sharepoint.<InternalName>; default false",
    }),
  },
  { additionalProperties: false, required: ["azure_tenant_id", "azure_client_id"] },
);

function str(config: OpenConfig, key: string): string | undefined {
  const v = config[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Stored configuration (secrets opened) → the adapter's settings. */
export function sharePointSettings(config: OpenConfig): SharePointConnectorSettings {
  return {
    site_url: str(config, "site_url"),
    site_id: str(config, "site_id"),
    drive_id: str(config, "drive_id"),
    library_name: str(config, "library_name"),
    base_path: str(config, "base_path") ?? "",
    azure_tenant_id: str(config, "azure_tenant_id") ?? "",
    azure_client_id: str(config, "azure_client_id") ?? "",
    azure_client_secret: str(config, "azure_client_secret"),
    azure_client_certificate_pem: str(config, "azure_client_certificate_pem"),
    auth_type: config.auth_type === "user_auth" ? "user_auth" : "app_auth",
    user_refresh_token: str(config, "refresh_token"),
  };
}

function invalid(field: string, message: string): never {
  throw new AppError("VALIDATION_FAILED", message, { field });
}

function validateBasePath(value: string): void {
  if (/^[\\/]/.test(value)) invalid("base_path", "base_path must be relative to the library root (no leading slash)");
  if (value.split(/[\\/]+/).some((s) => s === "..")) invalid("base_path", "base_path must not contain '..' segments");
  if (/[\x00-\x1f]/.test(value)) invalid("base_path", "base_path must not contain control characters");
}

/**
 * Checks the certificate credential and derives its thumbprint, expiry and subject into `config`
 * (mutated: on create the generic routes store this very object). @throws VALIDATION_FAILED naming the field.
 */
export function validateCertificate(config: OpenConfig): void {
  const pem = str(config, "azure_client_certificate_pem");
  if (!pem) return;
  let parsed;
  try {
    parsed = parseClientCertificatePem(pem);
  } catch (err) {
    if (err instanceof CertificateError) invalid("azure_client_certificate_pem", err.message);
    throw err;
  }
  const given = str(config, "azure_client_certificate_thumbprint")?.toUpperCase();
  if (given && given !== parsed.thumbprintSha1 && given !== parsed.thumbprintSha256) {
    invalid(
      "azure_client_certificate_thumbprint",
      "azure_client_certificate_thumbprint does not match the certificate in azure_client_certificate_pem",
    );
  }
  config.azure_client_certificate_thumbprint = given ?? parsed.thumbprintSha1;
  config.azure_client_certificate_expires_at = parsed.notAfter;
  config.azure_client_certificate_subject = parsed.subject;
}

/** Fields that describe the stored certificate; they go when a client secret replaces it. */
const CERTIFICATE_FACTS = [
  "azure_client_certificate_thumbprint",
  "azure_client_certificate_expires_at",
  "azure_client_certificate_subject",
];

/**
 * A PFX in the input becomes `azure_client_certificate_pem` (input mutated; the PFX fields are
 * deleted so they are never stored). @throws VALIDATION_FAILED naming the field to fix.
 */
export function convertPfxInput(input: OpenConfig): void {
  const pfx = input.azure_client_certificate_pfx;
  const password = input.azure_client_certificate_pfx_password;
  delete input.azure_client_certificate_pfx;
  delete input.azure_client_certificate_pfx_password;
  if (typeof pfx !== "string") return;
  if (str(input, "azure_client_certificate_pem"))
    invalid(
      "azure_client_certificate_pfx",
      "send either azure_client_certificate_pfx or azure_client_certificate_pem, not both",
    );
  let pem: string;
  try {
    pem = pfxToPem(pfx, typeof password === "string" ? password : "");
  } catch (err) {
    if (err instanceof CertificateError)
      invalid(
        /password/.test(err.message) ? "azure_client_certificate_pfx_password" : "azure_client_certificate_pfx",
        err.message,
      );
    throw err;
  }
  try {
    parseClientCertificatePem(pem);
  } catch (err) {
    // Expired or not yet valid: say so about the file that was sent.
    if (err instanceof CertificateError)
      invalid(
        "azure_client_certificate_pfx",
        err.message.replace(/azure_client_certificate_pem/g, "azure_client_certificate_pfx"),
      );
    throw err;
  }
  input.azure_client_certificate_pem = pem;
}

function endpoints(): SharePointEndpoints {
  return endpointsFromEnv(process.env);
}

export const sharepointDefinition: ConnectorDefinition = {
  type: "sharepoint",
  remoteName: "sharepoint",
  title: "SharePoint",
  configSchema,
  secretFields: [
    "azure_client_secret",
    "azure_client_certificate_pem",
    "refresh_token",
    "azure_client_certificate_pfx",
    "azure_client_certificate_pfx_password",
  ],
  requestOnlyFields: ["azure_client_certificate_pfx", "azure_client_certificate_pfx_password"],
  derivedFields: ["azure_client_certificate_expires_at", "azure_client_certificate_subject"],
  immutableFields: [],
  // The credentials are presented for this tenant and app and reach this site, library and folder.
  secretScopeFields: [
    "azure_tenant_id",
    "azure_client_id",
    "site_url",
    "site_id",
    "drive_id",
    "library_name",
    "base_path",
  ],
  // A user's refresh token comes from the sign-in (POST /{id}/authorize), never from a request body.
  reissuedSecrets: ["refresh_token"],
  // The last completed user_auth sign-in (never a token); `refresh_token_set` says whether it still holds.
  serverFields: Type.Object({
    authorized_user: Type.Object(
      { name: Type.Union([Type.String(), Type.Null()]), email: Type.String() },
      { description: "user_auth: who signed in with Microsoft last (display name and user principal name)" },
    ),
    authorized_at: Type.String({ format: "date-time", description: "user_auth: when that sign-in completed" }),
  }),
  principalField: "smb_principal",
  // SharePoint stays the system of record until an admin opts into two-way sync.
  defaultDirection: "sharepoint_to_scaidrive",
  validate(config) {
    convertPfxInput(config);
    validateBasePath(str(config, "base_path") ?? "");
    if (str(config, "azure_client_secret") && str(config, "azure_client_certificate_pem")) {
      invalid(
        "azure_client_certificate_pem",
        "send either azure_client_secret or azure_client_certificate_pem, not both",
      );
    }
    validateCertificate(config);
    // A connection may be saved before its library is chosen (the web client's library browser lists the sites the
    // saved credential reaches); until then its runs and tests fail with "neither drive_id nor site_url is configured".
    if (str(config, "library_name") && !str(config, "site_url") && !str(config, "drive_id")) {
      invalid("site_url", "library_name needs site_url (or give drive_id instead)");
    }
  },
  disableOnAuthFailure: true,
  async openRemote(config, env) {
    const { openGraph, openSharePointRemote, resolveSiteAndDrive } = await loadSharePointRuntime();
    const rt = { endpoints: endpoints(), network: env.network, logger: env.logger };
    let settings = sharePointSettings(config);
    const siteUrl = str(config, "site_url");
    if (!settings.drive_id && siteUrl) {
      const r = await resolveSiteAndDrive(openGraph(settings, rt).graph, siteUrl, str(config, "library_name"));
      await env.saveConfig({ site_id: r.siteId, drive_id: r.driveId });
      settings = sharePointSettings({ ...config, site_id: r.siteId, drive_id: r.driveId });
      env.logger.info({ siteId: r.siteId, driveId: r.driveId }, "resolved site_url and library_name");
    }
    return openSharePointRemote(settings, {
      ...rt,
      onRefreshTokenRotated: (refreshToken) => env.saveConfig({ refresh_token: refreshToken }),
    });
  },
  async test(
    config,
    env,
  ): Promise<ConnectionTestResult & Omit<SharePointConnectionTestResult, keyof ConnectionTestResult>> {
    const { testSharePointConnection } = await loadSharePointRuntime();
    return testSharePointConnection(sharePointSettings(config), { endpoints: endpoints(), network: env.network });
  },
  testResultSchema: Type.Object(
    {
      site_accessible: Type.Boolean({ description: "the site, library and base folder could be read" }),
      permissions: Type.Object({
        access: Type.Union([Type.Literal("read"), Type.Literal("write"), Type.Literal("none")], {
          description: "what the credential may do in the library",
        }),
        via: Type.Union([Type.String(), Type.Null()], {
          description: "the grant that gives the access, e.g. application permission Sites.ReadWrite.All",
        }),
      }),
    },
    {
      description:
        "Gets a token, reads the site, library and base folder, and checks write access without " +
        "creating anything. `permissions.access` is read / write / none and `via` names the grant.",
    },
  ),
  preparePatch(input, stored) {
    convertPfxInput(input);
    if (typeof input.azure_client_certificate_pem === "string") {
      // Derive the new certificate's facts now, so those of an old certificate are replaced (the thumbprint not
      // compared with the old one).
      const probe: OpenConfig = {
        azure_client_certificate_pem: input.azure_client_certificate_pem,
        azure_client_certificate_thumbprint: input.azure_client_certificate_thumbprint,
      };
      try {
        validateCertificate(probe);
        for (const k of CERTIFICATE_FACTS) input[k] = probe[k];
      } catch {
        // validate() answers the 400 for a bad PEM
      }
      // One credential at a time: a new certificate replaces a stored client secret.
      if (!("azure_client_secret" in input) && stored.storedSecrets.includes("azure_client_secret"))
        return { secrets: ["azure_client_secret"] };
      return;
    }
    if (
      typeof input.azure_client_secret === "string" &&
      stored.storedSecrets.includes("azure_client_certificate_pem")
    ) {
      return { secrets: ["azure_client_certificate_pem"], config: CERTIFICATE_FACTS };
    }
  },
  hooks(config, env) {
    return createSharePointSyncHooks({
      connectorId: env.connector.id,
      syncVersions: config.sync_versions === true,
      syncMetadata: config.sync_metadata === true,
      fileStates: env.fileStates,
    });
  },
};
