/**
 * Where Entra ID and Microsoft Graph live (configuration, not code): a module of its own so the
 * server can read it without loading MSAL and the Graph SDK, which it imports only once a
 * SharePoint connector is used (see sharepoint-runtime.ts).
 */
export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";
export const DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com";

export interface SharePointEndpoints {
  /** Entra authority host, e.g. `https://login.microsoftonline.com` (https required by MSAL). */
  authorityHost: string;
  /** Graph origin, e.g. `https://graph.microsoft.com` (the SDK appends `/v1.0`). */
  graphBaseUrl: string;
}

/** Reads the two endpoint variables with their defaults (for callers that own process.env). */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): SharePointEndpoints {
  return {
    authorityHost: env.SCAIDRIVE_ENTRA_AUTHORITY_HOST || DEFAULT_AUTHORITY_HOST,
    graphBaseUrl: env.SCAIDRIVE_GRAPH_BASE_URL || DEFAULT_GRAPH_BASE_URL,
  };
}
