/**
 * Concurrent lookups of one key share a query — but never one that was already sent when they
 * asked. A caller whose key has no query in flight sends one at once; callers arriving while it
 * runs wait for it and then share the next query together. Every caller therefore gets an answer
 * read after its own call: nothing is cached, so a token revoked (on any node) before a request
 * arrives is never accepted on an older answer. A burst of requests with one token costs about
 * one query per round trip instead of one per request.
 *
 * All callers of one query receive the same value (or the same error): they must not mutate it.
 */
export class FreshLookup<K, V> {
  private readonly keys = new Map<K, { next?: Waiters<V> }>();

  constructor(private readonly query: (key: K) => Promise<V>) {}

  get(key: K): Promise<V> {
    const state = this.keys.get(key);
    if (!state) {
      const fresh: { next?: Waiters<V> } = {};
      this.keys.set(key, fresh);
      return this.send(key, fresh);
    }
    state.next ??= new Waiters<V>();
    return state.next.promise;
  }

  private send(key: K, state: { next?: Waiters<V> }): Promise<V> {
    const answer = this.query(key);
    const settled = () => {
      const waiters = state.next;
      state.next = undefined;
      if (waiters) waiters.follow(this.send(key, state));
      else this.keys.delete(key);
    };
    answer.then(settled, settled);
    return answer;
  }
}

class Waiters<V> {
  readonly promise: Promise<V>;
  private resolve!: (v: V) => void;
  private reject!: (err: unknown) => void;

  constructor() {
    this.promise = new Promise<V>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  follow(answer: Promise<V>): void {
    answer.then(this.resolve, this.reject);
  }
}
