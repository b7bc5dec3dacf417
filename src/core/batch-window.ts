/**
 * When a group commit sends its batch (CommitBatcher on SQLite, FileCreateBatcher on PostgreSQL).
 *
 * Writers announce themselves with {@link begin} early in their request. A queued write goes out
 * after the current I/O callbacks when nobody else is on the way (so a lone writer pays no delay)
 * or the batch is full; otherwise it waits for the writers on their way to arrive, at most
 * `windowMs`. The owner's `send` runs the batch; it must do nothing while a batch runs or when
 * nothing is queued.
 */
export class BatchWindow {
  /** Writers that announced themselves and have not reached their write (or given up) yet. */
  private onTheirWay = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;

  constructor(
    private readonly opts: {
      windowMs: number;
      /** True while something is queued and no batch runs. */
      ready(): boolean;
      send(): void;
    },
  ) {}

  /**
   * Announces a writer that will queue a write soon. Call the returned function exactly once,
   * when the writer queues its write or gives up.
   */
  begin(): () => void {
    this.onTheirWay++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.onTheirWay--;
      if (this.onTheirWay === 0 && this.opts.ready()) this.soon();
    };
  }

  /** After a write was queued: sends at once, or waits for the writers on their way. */
  schedule(full: boolean): void {
    if (!this.opts.ready()) return;
    if (full || this.onTheirWay === 0) this.soon();
    else this.timer ??= setTimeout(() => this.fire(), this.opts.windowMs);
  }

  /** Sends after the current I/O callbacks, so writers finishing in the same turn still join. */
  soon(): void {
    if (this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.fire();
    });
  }

  private fire(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.opts.send();
  }
}
