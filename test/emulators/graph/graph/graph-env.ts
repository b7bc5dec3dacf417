import type { Readable } from "node:stream";
import type { ContentStore } from "../content/content-store.js";
import type { Actor, DriveRecord, ItemRecord } from "../content/drive-model.js";
import type { UploadSessions } from "../content/upload-sessions.js";
import type { DeltaFeed } from "../content/delta-feed.js";
import type { EntraContext } from "../entra/entra-context.js";
import type { TokenPrincipal } from "../entra/access-token.js";
import type { DownloadLinks } from "./download-links.js";
import type { JsonContext } from "./item-json.js";
import type { RewriteOnUpload } from "../content/property-promotion.js";

/** Tunables the control API and tests may change at run time. */
export interface GraphLimits {
  /** Simple `PUT .../content` refuses larger bodies with 413 (Graph: 250 MB). */
  simpleUploadMax: number;
  /** Delta page size when the request has no `$top` (Graph: 200). */
  deltaPageSize: number;
  /** Children page size when the request has no `$top` (Graph: 200). */
  childrenPageSize: number;
}

/** Everything a Graph handler works with; one per emulator run. */
export interface GraphEnv {
  store: ContentStore;
  entra: EntraContext;
  /**
   * Origin of absolute URLs in answers: the configured public origin, else the origin the
   * current request was made to (`https://graph.microsoft.com` when the client called that),
   * else `https://127.0.0.1:P` (see public-origin.ts).
   */
  baseUrl(): string;
  links: DownloadLinks;
  uploads: UploadSessions;
  delta: DeltaFeed;
  json: JsonContext;
  limits: GraphLimits;
  /** Property promotion: uploads of these extensions are stored with extra bytes (content/property-promotion.ts). */
  rewriteOnUpload: RewriteOnUpload;
}

/** One authorised Graph call, as handlers see it. */
export interface GraphCall {
  method: string;
  principal: TokenPrincipal;
  actor: Actor;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** The raw request body (never buffered by the server). */
  body: Readable;
  /** Reads and parses a JSON body (at most 1 MiB); {} when there is none. 400 on bad JSON. */
  json(): Promise<Record<string, unknown>>;
}

export interface GraphResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface DriveTarget {
  drive: DriveRecord;
  item: ItemRecord;
}
