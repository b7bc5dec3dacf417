/**
 * Who is acting. Services take an Actor and decide permissions themselves, so routes, the CLI
 * and the sync engine share one set of rules.
 */
export interface Actor {
  /** A `usr_` id, or "system" for {@link SYSTEM_ACTOR}. */
  userId: string;
  isAdmin: boolean;
  /** `grp_` ids the user belongs to (ACEs granted to them apply to the user). */
  groupIds: readonly string[];
  /** True only for {@link SYSTEM_ACTOR}: bypasses every ACL check. */
  isSystem?: boolean;
}

/**
 * The sync engine's identity: bypasses ACL checks. Nodes it creates get no owner unless the
 * caller passes `ownerId`. Never hand it to request handlers.
 */
export const SYSTEM_ACTOR: Actor = Object.freeze({ userId: "system", isAdmin: true, groupIds: [], isSystem: true });

/** Principal ids whose ACEs apply to the actor: the user and every group it belongs to. */
export function actorPrincipals(actor: Actor): Set<string> {
  return new Set([actor.userId, ...actor.groupIds]);
}

/** The id recorded as author/owner for actions of this actor (null for the system actor). */
export function actorUserId(actor: Actor): string | null {
  return actor.isSystem ? null : actor.userId;
}
