/**
 * From a connector's stored settings (field names as the spec prints them, secrets opened) to a
 * working Graph transport and {@link SharePointRemote}. This is what `sharepoint-definition.ts`
 * (`openRemote`, `test`) and the route helpers (sites, drives, directory search, authorize)
 * call; endpoints come from the caller (env `SCAIDRIVE_ENTRA_AUTHORITY_HOST`,
 * `SCAIDRIVE_GRAPH_BASE_URL`, see {@link endpointsFromEnv}).
 */
import type { Logger } from "pino";
import { RemoteError } from "../../sync/remote-errors.js";
import type { NetworkPolicy } from "../network-policy.js";
import { GraphHttp } from "./graph-http.js";
import {
  createTokenSource,
  type AppTokenSource,
  type SharePointEndpoints,
  type UserTokenSource,
} from "./sharepoint-auth.js";
import { resolveSiteAndDrive } from "./sharepoint-discovery.js";
import { createSharePointRemote, type SharePointRemote } from "./sharepoint-remote.js";

/** The type-specific connector fields the adapter reads (secrets in plaintext; never log this object). */
export interface SharePointConnectorSettings {
  site_url?: string;
  site_id?: string;
  drive_id?: string;
  library_name?: string;
  base_path?: string;
  azure_tenant_id: string;
  azure_client_id: string;
  /** Secret. */
  azure_client_secret?: string;
  /** Secret: PEM with the private key and the certificate (sharepoint-certificate.ts). */
  azure_client_certificate_pem?: string;
  auth_type: "app_auth" | "user_auth";
  /** Secret, user_auth only: stored by the OAuth callback, rotated through `onRefreshTokenRotated`. */
  user_refresh_token?: string;
}

export interface SharePointRuntime {
  endpoints: SharePointEndpoints;
  /** Where Entra, Graph and the URLs Graph hands back may be reached (the server's connector network policy). */
  network: NetworkPolicy;
  logger?: Logger;
  /** user_auth: Entra rotated the refresh token; seal and store it (replacing `user_refresh_token`). */
  onRefreshTokenRotated?(refreshToken: string): void | Promise<void>;
}

/** Token source + Graph transport for the settings. @throws RemoteError `auth` for missing/unusable credentials. */
export function openGraph(
  s: SharePointConnectorSettings,
  rt: SharePointRuntime,
): { graph: GraphHttp; tokens: AppTokenSource | UserTokenSource } {
  const cred = {
    tenantId: s.azure_tenant_id,
    clientId: s.azure_client_id,
    clientSecret: s.azure_client_secret,
    certificatePem: s.azure_client_certificate_pem,
  };
  const tokens =
    s.auth_type === "user_auth"
      ? createTokenSource(
          {
            authType: "user_auth",
            ...cred,
            refreshToken: s.user_refresh_token ?? "",
            onRefreshTokenRotated: rt.onRefreshTokenRotated,
          },
          rt.endpoints,
          rt.network,
          rt.logger,
        )
      : createTokenSource({ authType: "app_auth", ...cred }, rt.endpoints, rt.network, rt.logger);
  return {
    graph: new GraphHttp({ graphBaseUrl: rt.endpoints.graphBaseUrl, tokens, network: rt.network, logger: rt.logger }),
    tokens,
  };
}

/** `site_id` + `drive_id` as configured, or resolved from `site_url` + `library_name`. */
export async function siteAndDrive(
  graph: GraphHttp,
  s: SharePointConnectorSettings,
): Promise<{ siteId: string; driveId: string }> {
  if (s.drive_id) return { siteId: s.site_id ?? "", driveId: s.drive_id };
  if (!s.site_url) throw new RemoteError("not_found", "neither drive_id nor site_url is configured");
  const r = await resolveSiteAndDrive(graph, s.site_url, s.library_name);
  return { siteId: r.siteId, driveId: r.driveId };
}

/**
 * Opens the Remote for a sync run. Credentials are checked by the first Graph request of the run
 * (MSAL acquires the token then) and the base folder by a full enumeration (see `changes`), so a
 * no-op resync costs one delta request. @throws RemoteError `auth`, `unreachable`, `not_found`
 * (site or library when resolved from `site_url`), `access_denied`.
 */
export async function openSharePointRemote(
  s: SharePointConnectorSettings,
  rt: SharePointRuntime,
): Promise<SharePointRemote> {
  const { graph } = openGraph(s, rt);
  const { siteId, driveId } = await siteAndDrive(graph, s);
  return createSharePointRemote({ graph, siteId, driveId, basePath: s.base_path ?? "" });
}
