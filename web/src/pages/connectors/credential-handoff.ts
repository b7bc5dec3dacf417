/**
 * The credential just typed into the Add connection dialog, handed to the library browser that opens next. Choosing a
 * library changes where the credential goes, so the API wants it again (SECRET_REQUIRED); asking the person who typed
 * it a minute ago would be pointless. It stays in this tab's memory only — never in storage, the address or the
 * history state — for a few minutes, and is dropped once the choice is saved.
 */
import type { CredentialValue } from "./form/CredentialFields";

const KEEP_MS = 10 * 60_000;
const CREDENTIAL_KEYS: readonly (keyof CredentialValue)[] = [
  "password",
  "azure_client_secret",
  "azure_client_certificate_pem",
  "azure_client_certificate_pfx",
  "azure_client_certificate_pfx_password",
];

const held = new Map<string, { value: CredentialValue; until: number }>();

/** Keeps the credential fields of a create body for `connectorId`, if it has any. */
export function holdCredential(connectorId: string, body: Record<string, unknown>): void {
  const value: CredentialValue = {};
  for (const k of CREDENTIAL_KEYS) if (typeof body[k] === "string" && body[k] !== "") value[k] = body[k];
  if (Object.keys(value).length > 0) held.set(connectorId, { value, until: Date.now() + KEEP_MS });
}

/** The credential held for `connectorId`, while it is fresh. */
export function heldCredential(connectorId: string): CredentialValue | undefined {
  const h = held.get(connectorId);
  if (h && h.until > Date.now()) return h.value;
  held.delete(connectorId);
  return undefined;
}

export function dropCredential(connectorId: string): void {
  held.delete(connectorId);
}
