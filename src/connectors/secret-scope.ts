/**
 * Stored credentials stay bound to the place they were entered for. A connector's secrets (an SMB
 * service account's password, an app's client secret or certificate, a user's refresh token) were
 * given for one server, share, tenant or site. Whoever may edit the connector must not be able to
 * re-aim them: a PATCH that changes a field of {@link ConnectorDefinition.secretScopeFields} has to
 * carry every stored client-supplied secret again (400 SECRET_REQUIRED naming the first missing
 * one), and secrets the server obtained itself ({@link ConnectorDefinition.reissuedSecrets}) are
 * dropped, so the connector must be authorized again.
 */
import { AppError } from "../core/errors.js";
import type { ConnectorDefinition } from "./connector-definition.js";

export interface ScopeChange {
  /** Scope fields whose value the request changes, in definition order. */
  changed: string[];
  /** Stored secrets the change drops (server-obtained ones the request cannot send). */
  dropped: string[];
}

function storedValue(def: ConnectorDefinition, config: Record<string, unknown>, field: string): unknown {
  if (field in config) return config[field];
  return (def.configSchema.properties as Record<string, { default?: unknown }>)[field]?.default;
}

/**
 * What a PATCH does to the stored secrets. `input` is the request's type-specific fields,
 * `storedSecrets` the secret fields stored now minus those the request already replaces or drops.
 * @throws AppError SECRET_REQUIRED (`details.field` the secret to send, `details.changed_fields`)
 */
export function scopeChange(
  def: ConnectorDefinition,
  stored: { config: Record<string, unknown> },
  storedSecrets: readonly string[],
  input: Record<string, unknown>,
): ScopeChange {
  const changed = def.secretScopeFields.filter((f) => f in input && input[f] !== storedValue(def, stored.config, f));
  if (changed.length === 0) return { changed, dropped: [] };
  const dropped: string[] = [];
  for (const secret of storedSecrets) {
    if (secret in input) continue;
    if (def.reissuedSecrets?.includes(secret)) {
      dropped.push(secret);
      continue;
    }
    throw new AppError(
      "SECRET_REQUIRED",
      `changing ${changed.join(", ")} would present ` +
        `the stored ${secret} to a new destination: send ${secret} again in the same request`,
      { field: secret, changed_fields: changed },
    );
  }
  return { changed, dropped };
}
