import { AppError } from "./errors.js";
import { newUlid } from "./ids.js";
import type { DbExecutor } from "../store/core/db-executor.js";
import { signInFailureStore, type FailureScope } from "../store/core/sign-in-failure-store.js";

/** How many failed sign-ins count as too many, and over how long (docs/permissions.md). */
export interface SignInLimits {
  /** Failures per account (by email, whether or not it exists) within the window. */
  accountFailures: number;
  /** Failures per client address within the window. */
  addressFailures: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  accountFailures: 5,
  addressFailures: 20,
  windowMs: 15 * 60_000,
};

/** One sign-in attempt, counted as a failure until told otherwise. */
export interface SignInAttempt {
  /** The password was right: the attempt does not count, and the account's earlier failures are forgotten. */
  succeeded(): Promise<void>;
  /** The attempt is not a guess (e.g. a disabled account with the right password): it does not count. */
  discard(): Promise<void>;
}

/**
 * Limits failed sign-ins per account and per client address, counting in the database so that
 * every process sharing it sees the same numbers. An attempt is recorded as a failure *before*
 * the password is checked and withdrawn when it succeeds, so a burst of parallel guesses cannot
 * all pass the check before any of them is counted.
 */
export class SignInLimiter {
  constructor(
    private readonly db: DbExecutor,
    private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
  ) {}

  /**
   * Starts an attempt for `account` (the lower-cased email) from `address`.
   * @throws AppError TOO_MANY_ATTEMPTS (429) when either limit is reached; `details.limit` is
   *   "address" or "account" and `details.retry_after_seconds` says when the oldest counted
   *   failure stops counting. The refused attempt itself is not counted.
   */
  async begin(account: string, address: string): Promise<SignInAttempt> {
    const now = Date.now();
    const at = new Date(now).toISOString();
    const since = new Date(now - this.limits.windowMs).toISOString();
    await signInFailureStore.prune(this.db, since);
    const ids = { address: newUlid(), account: newUlid() };
    await signInFailureStore.insert(this.db, { id: ids.address, scope: "address", subject: address, failed_at: at });
    await signInFailureStore.insert(this.db, { id: ids.account, scope: "account", subject: account, failed_at: at });
    const discard = async () => {
      await signInFailureStore.delete(this.db, ids.address);
      await signInFailureStore.delete(this.db, ids.account);
    };
    const checks: [FailureScope, string, number][] = [
      ["address", address, this.limits.addressFailures],
      ["account", account, this.limits.accountFailures],
    ];
    for (const [scope, subject, limit] of checks) {
      const earlier = await signInFailureStore.since(this.db, scope, subject, since, ids[scope]);
      if (earlier.length >= limit) {
        await discard();
        // Below the limit again once enough of the oldest failures have aged out of the window.
        const freeAt = Date.parse(earlier[earlier.length - limit]) + this.limits.windowMs;
        throw tooMany(scope, Math.max(1, Math.ceil((freeAt - now) / 1000)));
      }
    }
    return {
      succeeded: async () => {
        await signInFailureStore.delete(this.db, ids.address);
        await signInFailureStore.clear(this.db, "account", account);
      },
      discard,
    };
  }
}

function tooMany(scope: FailureScope, seconds: number): AppError {
  const minutes = Math.ceil(seconds / 60);
  const where = scope === "account" ? "for this account" : "from this address";
  return new AppError(
    "TOO_MANY_ATTEMPTS",
    `too many failed sign-ins ${where}; try again in ${minutes} minute${minutes === 1 ? "" : "s"}`,
    { limit: scope, retry_after_seconds: seconds },
  );
}
