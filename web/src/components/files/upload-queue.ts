/**
 * The uploads of this browser tab: a queue that sends a few files at a time and keeps each one's progress, so the
 * uploads panel can show them and they go on while the person browses other folders.
 */
import { ApiError } from "../../api/http";
import { describeUploadError, startUpload, UploadAborted, type UploadRequest } from "./upload-transport";

export type UploadStatus = "queued" | "uploading" | "done" | "error" | "cancelled";

export interface UploadEntry {
  readonly id: string;
  readonly shareId: string;
  readonly path: string;
  readonly name: string;
  readonly size: number;
  readonly loaded: number;
  readonly status: UploadStatus;
  readonly error?: string;
}

interface Job {
  entry: UploadEntry;
  request: UploadRequest;
  abort?: () => void;
}

/** Files sent at the same time; more would only split the same bandwidth. */
const PARALLEL = 3;

let nextId = 1;

export class UploadQueue {
  private jobs: Job[] = [];
  private snapshot: readonly UploadEntry[] = [];
  private running = 0;
  private readonly listeners = new Set<() => void>();
  private readonly finishedListeners = new Set<(shareId: string, path: string) => void>();
  private emitScheduled = false;

  add(requests: readonly UploadRequest[]): void {
    for (const request of requests) {
      const entry: UploadEntry = {
        id: `up${nextId++}`,
        shareId: request.shareId,
        path: request.path,
        name: request.file.name,
        size: request.file.size,
        loaded: 0,
        status: "queued",
      };
      this.jobs.push({ entry, request });
    }
    this.emit(true);
    this.pump();
  }

  cancel(id: string): void {
    const job = this.jobs.find((j) => j.entry.id === id);
    if (!job || (job.entry.status !== "queued" && job.entry.status !== "uploading")) return;
    job.abort?.();
    this.update(job, { status: "cancelled" }, true);
    this.pump();
  }

  /** Forgets finished, failed and cancelled uploads (the panel closes when nothing is left). */
  clearFinished(): void {
    this.jobs = this.jobs.filter((j) => j.entry.status === "queued" || j.entry.status === "uploading");
    this.emit(true);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): readonly UploadEntry[] => this.snapshot;

  /** Called each time a file has been stored, with its share and path (to refresh listings). */
  onFinished(listener: (shareId: string, path: string) => void): () => void {
    this.finishedListeners.add(listener);
    return () => this.finishedListeners.delete(listener);
  }

  private pump(): void {
    while (this.running < PARALLEL) {
      const job = this.jobs.find((j) => j.entry.status === "queued");
      if (!job) return;
      this.run(job);
    }
  }

  private run(job: Job): void {
    this.running++;
    this.update(job, { status: "uploading" }, true);
    const upload = startUpload(job.request, (loaded) => this.update(job, { loaded }, false));
    job.abort = upload.abort;
    upload.done
      .then(
        () => {
          this.update(job, { status: "done", loaded: job.entry.size }, true);
          for (const l of this.finishedListeners) l(job.entry.shareId, job.entry.path);
        },
        (err: unknown) => {
          if (err instanceof UploadAborted || job.entry.status === "cancelled") return;
          const message =
            err instanceof ApiError
              ? describeUploadError(err, job.request)
              : err instanceof Error
                ? err.message
                : String(err);
          this.update(job, { status: "error", error: message }, true);
        },
      )
      .finally(() => {
        this.running--;
        job.abort = undefined;
        this.pump();
      });
  }

  private update(job: Job, change: Partial<UploadEntry>, now: boolean): void {
    job.entry = { ...job.entry, ...change };
    this.emit(now);
  }

  /** Progress events come many times a second per file: the panel re-renders at most once a frame for them. */
  private emit(now: boolean): void {
    if (now) {
      this.snapshot = this.jobs.map((j) => j.entry);
      for (const l of this.listeners) l();
      return;
    }
    if (this.emitScheduled) return;
    this.emitScheduled = true;
    setTimeout(() => {
      this.emitScheduled = false;
      this.emit(true);
    }, 100);
  }
}

/** The tab's one queue. */
export const uploadQueue = new UploadQueue();
