/**
 * Sends one file to the API: small files as one PUT through XMLHttpRequest (which reports upload progress), large
 * ones through tus (resumable: a dropped connection continues from the last byte the server has). tus-js-client is
 * loaded the first time a large file is sent, so the folder view's code stays small.
 */
import { ApiError, apiUrl, writeHeaders } from "../../api/http";
import { formatBytes } from "../../format";

/** Files above this go through tus; smaller ones in one PUT. */
export const TUS_THRESHOLD = 64 * 1024 * 1024;
const TUS_CHUNK = 8 * 1024 * 1024;
/** Waits before each retry of a failed tus request; after the last the upload fails (and can be started again). */
const TUS_RETRY_DELAYS = [0, 1000, 2000, 3000, 5000, 8000, 10000, 15000, 20000, 30000];

export interface UploadRequest {
  shareId: string;
  /** Destination path including the file name. */
  path: string;
  file: File;
  /** ETag (sha256) of the file this upload replaces: the server refuses with 412 when the file changed since. */
  ifMatch?: string;
  /** Only create: 412 when a file of that name appeared in the meantime. */
  ifNoneMatch?: boolean;
}

export interface RunningUpload {
  done: Promise<void>;
  /** Stops sending; a tus upload is also removed from the server. */
  abort(): void;
}

export class UploadAborted extends Error {
  constructor() {
    super("cancelled");
    this.name = "UploadAborted";
  }
}

export function startUpload(req: UploadRequest, onProgress: (loaded: number) => void): RunningUpload {
  return req.file.size > TUS_THRESHOLD ? tusUpload(req, onProgress) : putUpload(req, onProgress);
}

/** The API's error in words for the person who dropped the file. */
export function describeUploadError(err: ApiError, req: UploadRequest): string {
  if (err.status === 412) {
    return req.ifMatch
      ? "Not replaced: the file was changed since this folder was loaded. Reload the folder and upload again."
      : "A file with this name was added in the meantime. Upload again to replace it.";
  }
  if (err.status === 413) {
    const max = typeof err.details?.max_bytes === "number" ? err.details.max_bytes : undefined;
    return max !== undefined ? `Too large: uploads are limited to ${formatBytes(max)}.` : `Too large: ${err.message}`;
  }
  if (err.status === 403) return `Not allowed: ${err.message}`;
  return err.message;
}

function parseEnvelope(status: number, text: string, statusText = ""): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    if (body.error?.code)
      return new ApiError(status, body.error.code, body.error.message ?? `HTTP ${status}`, body.error.details);
  } catch {
    // Not the API's envelope (a proxy's page, or nothing at all).
  }
  return new ApiError(status, `HTTP_${status}`, statusText || `the upload failed with status ${status}`);
}

function putUpload(req: UploadRequest, onProgress: (loaded: number) => void): RunningUpload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<void>((resolve, reject) => {
    xhr.open("PUT", apiUrl(`/shares/${encodeURIComponent(req.shareId)}/content`, { path: req.path }));
    for (const [k, v] of Object.entries(writeHeaders())) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    if (req.ifMatch) xhr.setRequestHeader("If-Match", `"${req.ifMatch}"`);
    else if (req.ifNoneMatch) xhr.setRequestHeader("If-None-Match", "*");
    if (req.file.lastModified) xhr.setRequestHeader("X-Modified-At", new Date(req.file.lastModified).toISOString());
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(req.file.size);
        resolve();
      } else reject(parseEnvelope(xhr.status, xhr.responseText, xhr.statusText));
    };
    xhr.onerror = () => reject(new Error("The connection to the server was lost."));
    xhr.ontimeout = () => reject(new Error("The server did not answer in time."));
    xhr.onabort = () => reject(new UploadAborted());
    xhr.send(req.file);
  });
  return { done, abort: () => xhr.abort() };
}

function tusUpload(req: UploadRequest, onProgress: (loaded: number) => void): RunningUpload {
  let aborted = false;
  let upload: import("tus-js-client").Upload | undefined;
  let rejectDone: (err: unknown) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    rejectDone = reject;
    import("tus-js-client").then(
      ({ Upload }) => {
        if (aborted) return reject(new UploadAborted());
        const metadata: Record<string, string> = {
          share_id: req.shareId,
          path: req.path,
          filename: req.file.name,
        };
        if (req.ifMatch) metadata.if_match = req.ifMatch;
        upload = new Upload(req.file, {
          endpoint: "/api/v1/uploads/",
          chunkSize: TUS_CHUNK,
          retryDelays: TUS_RETRY_DELAYS,
          metadata,
          // One resumable upload per destination: the same file dropped on another folder is another upload.
          fingerprint: async (file) =>
            ["scaidrive", req.shareId, req.path, file.size, (file as File).lastModified].join("|"),
          // The CSRF token is read per request: a session renewed while a long upload runs keeps working.
          onBeforeRequest: (r) => {
            for (const [k, v] of Object.entries(writeHeaders())) r.setHeader(k, v);
          },
          // A 4xx other than a lost upload will not heal by asking again.
          onShouldRetry: (err) => {
            const status = err.originalResponse?.getStatus() ?? 0;
            return status === 0 || status === 409 || status === 423 || status >= 500;
          },
          removeFingerprintOnSuccess: true,
          onProgress: (sent) => onProgress(sent),
          onSuccess: () => {
            onProgress(req.file.size);
            resolve();
          },
          onError: (err) => {
            const res = "originalResponse" in err ? err.originalResponse : null;
            if (res) reject(parseEnvelope(res.getStatus(), res.getBody() ?? ""));
            else reject(new Error(`The upload stopped: ${err.message}`));
          },
        });
        // A fingerprint stored by an earlier attempt (this page or a reload) resumes where that one stopped.
        upload.findPreviousUploads().then(
          (previous) => {
            if (aborted) return;
            if (previous[0]) upload!.resumeFromPreviousUpload(previous[0]);
            upload!.start();
          },
          () => upload!.start(),
        );
      },
      (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
    );
  });
  return {
    done,
    abort: () => {
      aborted = true;
      if (upload) void upload.abort(true).catch(() => undefined);
      rejectDone(new UploadAborted());
    },
  };
}
