/**
 * Reference counts of blobs that garbage collection must not touch: a blob just written by a
 * put is pinned until the caller has committed the row that references it (or given up).
 * Counting, not a set, because two uploads of the same content may be in flight at once. These
 * pins are this process's; other nodes see the database leases (blob-lease-store.ts).
 */
export class BlobPins {
  private readonly counts = new Map<string, number>();

  pin(sha256: string): void {
    this.counts.set(sha256, (this.counts.get(sha256) ?? 0) + 1);
  }

  /** Unpinning more often than pinning is a caller bug; the count never goes below zero. */
  unpin(sha256: string): void {
    const n = this.counts.get(sha256) ?? 0;
    if (n <= 1) this.counts.delete(sha256);
    else this.counts.set(sha256, n - 1);
  }

  isPinned(sha256: string): boolean {
    return this.counts.has(sha256);
  }

  get size(): number {
    return this.counts.size;
  }
}
