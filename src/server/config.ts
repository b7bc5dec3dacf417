import { resolve } from "node:path";
import { defaultWebDir } from "./web-client.js";
import { ALLOW_VARIABLE, DENY_VARIABLE, NetworkPolicy } from "../connectors/network-policy.js";
import type { SignInLimits } from "../core/sign-in-limiter.js";

/** Everything the server reads from its environment (design §6). */
export interface ServerConfig {
  port: number;
  host: string;
  /** Embedded SQLite file, blobs and the generated secret key live here. */
  dataDir: string;
  /** `postgres://...` to use PostgreSQL instead of the embedded SQLite file. */
  databaseUrl?: string;
  /** Vault key (SCAIDRIVE_SECRET_KEY); absent means a generated key file in dataDir. */
  secretKey?: string;
  /** Token for the bootstrap admin (SCAIDRIVE_ADMIN_TOKEN); absent means one is generated and printed once. */
  adminToken?: string;
  /** The built web client served at `/` (SCAIDRIVE_WEB_DIR, default the package's web/dist). */
  webDir: string;
  /**
   * Password for the bootstrap admin (SCAIDRIVE_ADMIN_PASSWORD), set when the admin is created or
   * has none yet; absent means one is generated and printed once when the admin is created.
   */
  adminPassword?: string;
  /** A browser session unused this long ends (SCAIDRIVE_SESSION_IDLE_MINUTES, default 720 = 12 h; fractions ok). */
  sessionIdleMs: number;
  /** A browser session ends this long after sign-in (SCAIDRIVE_SESSION_MAX_HOURS, default 168 = 7 d; fractions ok). */
  sessionMaxMs: number;
  /**
   * Fastify's `trustProxy` (SCAIDRIVE_TRUST_PROXY): whether X-Forwarded-For/-Proto/-Host are
   * believed — `true`, a hop count, or comma-separated proxy addresses/CIDRs; default false.
   * Decides the client address sign-in limits count by and whether a request came over https.
   */
  trustProxy: boolean | number | string;
  /**
   * Origins besides the request's own (scheme + Host) that cookie-authenticated writes may come
   * from (SCAIDRIVE_PUBLIC_ORIGIN, comma-separated; the origin of SCAIDRIVE_PUBLIC_URL is added).
   */
  publicOrigins: string[];
  /** Failed sign-in limits; not configurable from the environment (tests shorten them). */
  signInLimits?: SignInLimits;
  /** Largest accepted upload in bytes (SCAIDRIVE_MAX_UPLOAD_BYTES, default 1 TiB). */
  maxUploadBytes: number;
  /** pino level (LOG_LEVEL, default "info"; "silent" for tests). */
  logLevel: string;
  /**
   * Who may create connectors and change where they connect (SCAIDRIVE_CONNECTOR_CREATORS):
   * `admins` (default) or `share-managers` (anyone with MANAGE_PERMISSIONS on the target share).
   */
  connectorCreators: ConnectorCreators;
  /**
   * Connector jobs (syncs, pushes, pulls) running at once (SCAIDRIVE_MAX_CONCURRENT_JOBS, default 4); the rest wait,
   * queued.
   */
  maxConcurrentJobs: number;
  /**
   * Where connectors may connect (SCAIDRIVE_CONNECTOR_DENY_NETWORKS, default loopback,
   * link-local/metadata and unspecified; SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS, default unset). See
   * `connectors/network-policy.ts` for the rule.
   */
  connectorNetwork: NetworkPolicy;
  /**
   * An upload body from which no byte arrives for this long is aborted with 408 and nothing is
   * kept (SCAIDRIVE_UPLOAD_IDLE_TIMEOUT_MS, default 60 s). Idle time only: a slow upload that
   * keeps sending is never cut.
   */
  uploadIdleTimeoutMs: number;
  /**
   * Resumable (tus) uploads are removed this long after their creation, finished or not
   * (SCAIDRIVE_UPLOAD_EXPIRY_HOURS, default 24).
   */
  uploadExpiryMs: number;
  /** Time to receive a request's headers (SCAIDRIVE_HEADERS_TIMEOUT_MS, default 30 s; 0 = none). */
  headersTimeoutMs: number;
  /**
   * Time to receive a whole request, body included, except uploads (SCAIDRIVE_REQUEST_TIMEOUT_MS,
   * default 60 s; 0 = none). Counts until the last body byte arrived, not while the server works
   * on the answer, so long operations are unaffected.
   */
  requestTimeoutMs: number;
  /**
   * What this node does in a cluster sharing one PostgreSQL (SCAIDRIVE_ROLE or `serve --role`):
   * `all` (default) serves the API and runs jobs and the scheduler; `api` serves the API and only
   * records jobs; `worker` runs jobs and the scheduler (it answers HTTP too, but belongs outside
   * the load balancer). `api` and `worker` need SCAIDRIVE_DATABASE_URL: an embedded SQLite file
   * has one process.
   */
  role: ServerRole;
}

export const SERVER_ROLES = ["all", "api", "worker"] as const;
export type ServerRole = (typeof SERVER_ROLES)[number];

export type ConnectorCreators = "admins" | "share-managers";

function oneOf<T extends string>(name: string, raw: string | undefined, values: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!(values as readonly string[]).includes(raw))
    throw new Error(`${name} must be one of ${values.join(", ")}, got "${raw}"`);
  return raw as T;
}

/**
 * Reads the configuration from env. @throws Error naming the variable for an unparsable value,
 * so a typo fails at start-up rather than at first use.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
    return n;
  };
  const opt = (name: string): string | undefined => (env[name] && env[name]!.trim() !== "" ? env[name] : undefined);
  /** A positive number (fractions allowed) of `unit` milliseconds. */
  const duration = (name: string, fallback: number, unitMs: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return fallback * unitMs;
    const n = Number(raw);
    const ms = Math.round(n * unitMs);
    if (!Number.isFinite(n) || ms < 1 || ms > 2 ** 52)
      throw new Error(`${name} must be a positive number, got "${raw}"`);
    return ms;
  };
  const databaseUrl = opt("SCAIDRIVE_DATABASE_URL");
  const role = oneOf("SCAIDRIVE_ROLE", opt("SCAIDRIVE_ROLE")?.trim(), SERVER_ROLES, "all");
  if (role !== "all" && !databaseUrl)
    throw new Error(
      `SCAIDRIVE_ROLE=${role} needs SCAIDRIVE_DATABASE_URL (PostgreSQL shared by the nodes); ` +
        "the embedded SQLite database serves one process, which must use the role all",
    );
  return {
    role,
    port: int("PORT", 8080, 0, 65535),
    host: opt("HOST") ?? "127.0.0.1",
    dataDir: resolve(opt("SCAIDRIVE_DATA_DIR") ?? "./data"),
    webDir: opt("SCAIDRIVE_WEB_DIR") ? resolve(opt("SCAIDRIVE_WEB_DIR")!) : defaultWebDir(),
    databaseUrl,
    secretKey: opt("SCAIDRIVE_SECRET_KEY"),
    adminToken: opt("SCAIDRIVE_ADMIN_TOKEN"),
    adminPassword: opt("SCAIDRIVE_ADMIN_PASSWORD"),
    sessionIdleMs: duration("SCAIDRIVE_SESSION_IDLE_MINUTES", 720, 60_000),
    sessionMaxMs: duration("SCAIDRIVE_SESSION_MAX_HOURS", 168, 3_600_000),
    trustProxy: parseTrustProxy(opt("SCAIDRIVE_TRUST_PROXY")),
    publicOrigins: publicOrigins(opt("SCAIDRIVE_PUBLIC_ORIGIN"), opt("SCAIDRIVE_PUBLIC_URL")),
    maxUploadBytes: int("SCAIDRIVE_MAX_UPLOAD_BYTES", 2 ** 40, 0, Number.MAX_SAFE_INTEGER),
    logLevel: opt("LOG_LEVEL") ?? "info",
    maxConcurrentJobs: int("SCAIDRIVE_MAX_CONCURRENT_JOBS", 4, 1, 1000),
    connectorCreators: oneOf(
      "SCAIDRIVE_CONNECTOR_CREATORS",
      opt("SCAIDRIVE_CONNECTOR_CREATORS"),
      ["admins", "share-managers"] as const,
      "admins",
    ),
    connectorNetwork: NetworkPolicy.fromText({ deny: env[DENY_VARIABLE], allow: env[ALLOW_VARIABLE] }),
    uploadIdleTimeoutMs: int("SCAIDRIVE_UPLOAD_IDLE_TIMEOUT_MS", 60_000, 1, 2 ** 31 - 1),
    uploadExpiryMs: int("SCAIDRIVE_UPLOAD_EXPIRY_HOURS", 24, 1, 24 * 365) * 3_600_000,
    ...requestTimeouts(
      int("SCAIDRIVE_HEADERS_TIMEOUT_MS", 30_000, 0, 2 ** 31 - 1),
      int("SCAIDRIVE_REQUEST_TIMEOUT_MS", 60_000, 0, 2 ** 31 - 1),
    ),
  };
}

/** `true`/`false`, a hop count, or proxy addresses/CIDRs as Fastify's `trustProxy` takes them. */
function parseTrustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined) return false;
  const value = raw.trim();
  if (/^(true|yes)$/i.test(value)) return true;
  if (/^(false|no)$/i.test(value)) return false;
  // A hop count: trust that many proxies in front (0 trusts none).
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(",").map((e) => e.trim());
  if (entries.some((e) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(e)))
    throw new Error(
      `SCAIDRIVE_TRUST_PROXY must be true, false, a hop count or comma-separated addresses/CIDRs, got "${raw}"`,
    );
  return entries.join(",");
}

/** Each listed origin (and SCAIDRIVE_PUBLIC_URL's), normalised to `scheme://host[:port]`. */
function publicOrigins(list: string | undefined, publicUrl: string | undefined): string[] {
  const origins = new Set<string>();
  const add = (name: string, raw: string) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Error(`${name} must be http(s) origins like https://files.example.com, got "${raw}"`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new Error(`${name} must be http(s) origins like https://files.example.com, got "${raw}"`);
    origins.add(url.origin);
  };
  for (const entry of (list ?? "").split(",").map((e) => e.trim())) if (entry) add("SCAIDRIVE_PUBLIC_ORIGIN", entry);
  if (publicUrl) add("SCAIDRIVE_PUBLIC_URL", publicUrl.trim());
  return [...origins];
}

/** Node refuses a headers timeout longer than the request timeout; say so at start-up. */
function requestTimeouts(
  headersTimeoutMs: number,
  requestTimeoutMs: number,
): { headersTimeoutMs: number; requestTimeoutMs: number } {
  if (requestTimeoutMs > 0 && (headersTimeoutMs === 0 || headersTimeoutMs > requestTimeoutMs)) {
    throw new Error(
      `SCAIDRIVE_HEADERS_TIMEOUT_MS ` +
        `(${headersTimeoutMs}) must be between 1 and SCAIDRIVE_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`,
    );
  }
  return { headersTimeoutMs, requestTimeoutMs };
}
