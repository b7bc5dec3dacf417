/**
 * The metadata MSAL may fetch when it is not given `authorityMetadata` / `cloudDiscoveryMetadata`:
 * the tenant's OpenID configuration (issuer on the authority's own scheme, host and port, which
 * MSAL 7 checks), the cloud instance discovery document and the JWKS. For a tenant named by its
 * domain the endpoints use the tenant id, as Entra's do; for `common`/`organizations` they keep
 * that segment and the issuer holds the `{tenantid}` placeholder.
 */
import type { DirectoryTenant } from "../directory/directory.js";
import type { EntraContext } from "./entra-context.js";
import { jwks } from "./signing-key.js";
import { v2Issuer } from "./token-mint.js";

export function openIdConfiguration(
  baseUrl: string,
  tenant: DirectoryTenant | null,
  segment: string,
): Record<string, unknown> {
  const seg = tenant ? tenant.id : segment.toLowerCase();
  const base = `${baseUrl}/${seg}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: tenant ? v2Issuer(baseUrl, tenant.id) : `${baseUrl}/{tenantid}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${baseUrl}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: "EU",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: new URL(baseUrl).host,
    rbac_url: "https://pas.windows.net",
  };
}

/** `GET /common/discovery/instance`: this host is its own (only) alias. */
export function instanceDiscovery(baseUrl: string): Record<string, unknown> {
  const host = new URL(baseUrl).host;
  const port = new URL(baseUrl).port;
  const aliases = [host, ...(port ? [`localhost:${port}`] : ["localhost"])];
  return {
    tenant_discovery_endpoint: `${baseUrl}/{tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [{ preferred_network: host, preferred_cache: host, aliases }],
  };
}

export function tenantJwks(
  ctx: EntraContext,
  baseUrl: string,
  tenant: DirectoryTenant | null,
): Record<string, unknown> {
  return jwks(ctx.signingKey, tenant ? v2Issuer(baseUrl, tenant.id) : `${baseUrl}/{tenantid}/v2.0`);
}
