/**
 * CHANGE_NOTIFY on a directory as an async iterable. One CHANGE_NOTIFY is outstanding at a time;
 * the server queues changes that happen between two requests on the open handle. `ready`
 * resolves once the server has accepted the first watch (interim STATUS_PENDING), so a caller
 * can make changes knowing they will be seen. `close()` (or breaking out of `for await`) sends
 * CANCEL and closes the handle.
 */
import type { BoundTree, SmbHandle } from "./file-handle.js";
import { Command } from "./messages/header.js";
import { Access, CreateOptions, Disposition, ShareAccess } from "./messages/create.js";
import {
  CompletionFilter,
  NotifyAction,
  decodeFileNotifyInformation,
  encodeChangeNotifyRequest,
} from "./messages/notify-ioctl.js";
import { decodeOutputBufferResponse } from "./messages/query-directory.js";
import { NtStatus } from "./errors.js";

export type SmbChangeAction = "added" | "removed" | "modified" | "renamed_old" | "renamed_new" | "overflow";

export interface SmbChange {
  action: SmbChangeAction;
  /** Path relative to the watched directory (backslash-separated); "" for overflow. */
  name: string;
}

export interface WatchOptions {
  recursive?: boolean;
  /** CompletionFilter bits (default names, sizes, times, attributes). */
  filter?: number;
}

const ACTIONS: Record<number, SmbChangeAction> = {
  [NotifyAction.ADDED]: "added",
  [NotifyAction.REMOVED]: "removed",
  [NotifyAction.MODIFIED]: "modified",
  [NotifyAction.RENAMED_OLD_NAME]: "renamed_old",
  [NotifyAction.RENAMED_NEW_NAME]: "renamed_new",
};

export class SmbWatcher implements AsyncIterable<SmbChange> {
  private handle: SmbHandle | undefined;
  private readonly queue: SmbChange[] = [];
  private waiter: { resolve(r: IteratorResult<SmbChange>): void; reject(e: unknown): void } | undefined;
  private error: unknown;
  private closed = false;
  private readonly abort = new AbortController();
  private markReady!: () => void;
  private failReady!: (e: unknown) => void;
  /** Resolves when the server holds the first CHANGE_NOTIFY. */
  readonly ready: Promise<void>;

  constructor(
    private readonly tree: () => Promise<BoundTree>,
    private readonly smbPath: string,
    private readonly opts: WatchOptions,
  ) {
    this.ready = new Promise((res, rej) => {
      this.markReady = res;
      this.failReady = rej;
    });
    this.ready.catch(() => undefined);
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      const t = await this.tree();
      this.handle = await t.open({
        name: this.smbPath,
        desiredAccess: Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
        fileAttributes: 0,
        shareAccess: ShareAccess.ALL,
        disposition: Disposition.OPEN,
        options: CreateOptions.DIRECTORY_FILE,
      });
      if (this.closed) return void (await this.handle.close().catch(() => undefined));
      const filter =
        this.opts.filter ??
        CompletionFilter.FILE_NAME |
          CompletionFilter.DIR_NAME |
          CompletionFilter.ATTRIBUTES |
          CompletionFilter.SIZE |
          CompletionFilter.LAST_WRITE |
          CompletionFilter.CREATION;
      const size = Math.min(65536, t.conn.maxTransactSize);
      while (!this.closed) {
        const res = await t.send(
          Command.CHANGE_NOTIFY,
          encodeChangeNotifyRequest(this.handle.fileId, this.opts.recursive ?? false, size, filter),
          {
            timeoutMs: t.timeoutMs,
            ok: [NtStatus.NOTIFY_ENUM_DIR],
            onInterim: () => this.markReady(),
            signal: this.abort.signal,
          },
        );
        this.markReady();
        if (res.header.status === NtStatus.NOTIFY_ENUM_DIR) {
          this.emit({ action: "overflow", name: "" });
          continue;
        }
        for (const e of decodeFileNotifyInformation(
          decodeOutputBufferResponse(res.message, "CHANGE_NOTIFY response"),
        )) {
          this.emit({ action: ACTIONS[e.action] ?? "modified", name: e.name });
        }
      }
    } catch (e) {
      // After close() the CANCELLED answer (or an abort before sending) is the normal end.
      if (!this.closed) this.error = e;
      this.failReady(e);
    } finally {
      this.closed = true;
      await this.handle?.close().catch(() => undefined);
      this.flush();
    }
  }

  private emit(c: SmbChange): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: c, done: false });
    } else this.queue.push(c);
  }

  private flush(): void {
    const w = this.waiter;
    if (!w || this.queue.length) return;
    this.waiter = undefined;
    if (this.error) w.reject(this.error);
    else w.resolve({ value: undefined, done: true });
  }

  /** Stops watching (CANCEL + CLOSE). Pending `next()` calls end. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<SmbChange> {
    return {
      next: () => {
        if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
        if (this.error) return Promise.reject(this.error);
        if (this.closed && !this.handle) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiter = { resolve, reject };
          if (this.closed) this.flush();
        });
      },
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }
}
