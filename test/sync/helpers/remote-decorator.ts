/**
 * Wraps a real Remote, replacing some methods — used to make the remote side change a file for
 * real while it is being read, or fail like an unreachable server would.
 */
import type { Remote } from "../../../src/sync/remote.js";

export function decorateRemote(inner: Remote, overrides: Partial<Remote>): Remote {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop in overrides) return (overrides as Record<string | symbol, unknown>)[prop];
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
