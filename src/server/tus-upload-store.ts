import { AsyncLocalStorage } from "node:async_hooks";
import type { Readable } from "node:stream";
import { DataStore, Upload } from "@tus/utils";
import { AppError } from "../core/errors.js";
import type { Actor } from "../core/actor.js";
import type { UploadService, UploadState } from "../core/upload-service.js";

/** What one tus request runs with: its caller, and the first ScaiDrive error its handling hit. */
export interface TusRequestScope {
  actor?: Actor;
  failure?: AppError;
}

/**
 * The tus server calls its store without the request; the route runs each request inside this
 * scope so the store knows who is asking (uploads belong to their creator).
 */
export const tusScope = new AsyncLocalStorage<TusRequestScope>();

function actor(): Actor {
  const a = tusScope.getStore()?.actor;
  if (!a) throw new AppError("UNAUTHENTICATED", "authentication required");
  return a;
}

function toUpload(state: UploadState): Upload {
  return new Upload({
    id: state.record.id,
    size: state.record.size,
    offset: state.offset,
    metadata: state.record.metadata,
    creation_date: state.record.created_at,
  });
}

/**
 * @tus/server's storage interface over {@link UploadService}: the bytes go to the blob store's
 * uploads directory and become a version on completion (the route's onUploadFinish). Extensions:
 * creation (with upload), termination, expiration.
 */
export class TusUploadStore extends DataStore {
  constructor(private readonly uploads: UploadService) {
    super();
    this.extensions = ["creation", "creation-with-upload", "termination", "expiration"];
  }

  override async create(upload: Upload): Promise<Upload> {
    const state = await this.uploads.create(actor(), {
      id: upload.id,
      size: upload.size ?? -1,
      metadata: upload.metadata ?? {},
    });
    return toUpload(state);
  }

  override async getUpload(id: string): Promise<Upload> {
    return toUpload(await this.uploads.get(actor(), id));
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    return this.uploads.append(actor(), id, offset, stream);
  }

  override async remove(id: string): Promise<void> {
    await this.uploads.terminate(actor(), id);
  }

  override async deleteExpired(): Promise<number> {
    return this.uploads.removeExpired();
  }

  override getExpiration(): number {
    return this.uploads.expiryMs;
  }
}
