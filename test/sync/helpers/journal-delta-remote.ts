/**
 * Gives a real (non-delta) remote a delta API for engine tests: each `changes()` call walks the
 * real remote, diffs it against the listing remembered under the cursor, and hands out a new
 * cursor. Cursors can be expired on demand. The content and ids are the real remote's.
 */
import type { ChangePage, Remote, RemoteEntry } from "../../../src/sync/remote.js";
import { RemoteError } from "../../../src/sync/remote-errors.js";
import { decorateRemote } from "./remote-decorator.js";

export interface JournalDelta {
  remote: Remote;
  calls: Array<string | null>;
  expireAll(): void;
}

const journals = new Map<string, Map<string, RemoteEntry>>();
let seq = 0;

export function withJournalDelta(inner: Remote): JournalDelta {
  const calls: Array<string | null> = [];
  const mine = new Set<string>();
  const remote = decorateRemote(inner, {
    capabilities: { ...inner.capabilities, delta: true },
    async *changes(cursor: string | null): AsyncIterable<ChangePage> {
      calls.push(cursor);
      const before = cursor === null ? new Map<string, RemoteEntry>() : journals.get(cursor);
      if (!before) throw new RemoteError("cursor_expired", "resync required");
      const now = new Map<string, RemoteEntry>();
      for await (const e of inner.walk("")) now.set(e.id!, e);
      const upserts = [...now.values()].filter((e) => {
        const old = before.get(e.id!);
        return !old || old.path !== e.path || old.fingerprint !== e.fingerprint;
      });
      const deletions = [...before.keys()].filter((id) => !now.has(id)).map((id) => ({ id }));
      const next = `c${++seq}`;
      journals.set(next, now);
      mine.add(next);
      // Two pages, to exercise paging.
      const half = Math.ceil(upserts.length / 2);
      yield { upserts: upserts.slice(0, half), deletions: [], cursor: `${next}-partial` };
      yield { upserts: upserts.slice(half), deletions, cursor: next };
    },
  });
  return {
    remote,
    calls,
    expireAll: () => {
      for (const c of mine) journals.delete(c);
    },
  };
}
