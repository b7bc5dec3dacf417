import { rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { BlobStore } from "./content/blob-store.js";
import { ContentStore } from "./content/content-store.js";
import { DeltaFeed } from "./content/delta-feed.js";
import { siteWebUrl } from "./content/drive-model.js";
import { UploadSessions } from "./content/upload-sessions.js";
import { registerControlRoutes } from "./control/control-routes.js";
import { FaultRules } from "./control/fault-rules.js";
import { RequestCounters } from "./control/request-counters.js";
import { Directory } from "./directory/directory.js";
import { createEntraContext, type EntraContext } from "./entra/entra-context.js";
import { registerEntraRoutes } from "./entra/entra-routes.js";
import { loadFixture, populateContent, type EmulatorFixture } from "./fixture.js";
import { DownloadLinks } from "./graph/download-links.js";
import type { GraphEnv } from "./graph/graph-env.js";
import { registerGraphRoutes } from "./graph/graph-routes.js";
import { registerTransferRoutes } from "./graph/transfer-routes.js";
import { PublicOrigin } from "./public-origin.js";
import { createServer } from "./server.js";
import { createTlsMaterial } from "./tls.js";

/** The first stdout line of the CLI, and what tests configure clients with. */
export interface EmulatorInfo {
  graph_base_url: string;
  authority_host: string;
  ca_file: string;
  tenant_id: string;
  tenant_name: string;
  client_id: string;
  client_secret: string;
  site_id: string;
  site_url: string;
  drive_id: string;
  users: Array<{ id: string; email: string; name: string; password?: string }>;
  /** Every app of the first tenant, with its credentials (certificate files for generated ones). */
  apps: Array<{
    client_id: string;
    name: string;
    secret?: string;
    cert_file?: string;
    key_file?: string;
    thumbprint_sha1?: string;
    thumbprint_sha256?: string;
  }>;
  /** Extra DNS names of the server certificate (`--hostname`), when any. */
  hostnames?: string[];
  /** The fixed origin of absolute URLs (`--public-origin`), when one is configured. */
  public_origin?: string;
}

export interface GraphEmulatorOptions {
  /** 0 or absent: a free port. */
  port?: number;
  fixture?: string | EmulatorFixture;
  tokenLifetimeSec?: number;
  /**
   * Extra DNS names for the server certificate (e.g. `graph.microsoft.com`,
   * `login.microsoftonline.com`, `contoso.sharepoint.com`), so a client with hard-coded
   * Microsoft hosts can be pointed at the emulator through its resolver.
   */
  hostnames?: string[];
  /**
   * Origin of every absolute URL the emulator hands out (download/upload URLs, next/delta
   * links, `@odata.context`, token issuer). Default: the origin the request was made to (its
   * `Host`), as on real Graph.
   */
  publicOrigin?: string;
}

export interface GraphEmulator {
  info: EmulatorInfo;
  /** In-process handles for tests that need more than the HTTP surface. */
  env: GraphEnv;
  entra: EntraContext;
  close(): Promise<void>;
}

/**
 * Starts the Graph + Entra emulator on 127.0.0.1 (`port` 0 or absent: a free port) over HTTPS
 * with a CA made for this run. `fixture` is a file (YAML/JSON) or an object; default: the demo
 * tenant. `close` stops the server and removes every temp file (content, TLS material).
 */
export async function startGraphEmulator(opts: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const fixture = loadFixture(opts.fixture);
  const origin = new PublicOrigin({ publicOrigin: opts.publicOrigin, hostnames: opts.hostnames });
  const tls = await createTlsMaterial({ hostnames: opts.hostnames });
  const baseUrl = (): string => origin.current();
  const store = new ContentStore();
  const cleanup = (): void => {
    store.close();
    rmSync(tls.dir, { recursive: true, force: true });
  };
  try {
    const directory = Directory.fromFixture(fixture, { certDir: tls.dir });
    const entra = createEntraContext({
      directory,
      tokenLifetimeSec: opts.tokenLifetimeSec,
      publicOrigin: origin,
      siteUrlOf: (siteId) => {
        const site = store.sites.find((s) => s.id.toLowerCase() === siteId.toLowerCase());
        return site ? siteWebUrl(site) : undefined;
      },
    });
    await populateContent(store, directory, fixture);
    const links = new DownloadLinks(baseUrl);
    const env: GraphEnv = {
      store,
      entra,
      baseUrl,
      links,
      uploads: new UploadSessions(store.blobs as BlobStore),
      delta: new DeltaFeed(store),
      json: {
        store,
        downloadUrl: (drive, item, version) =>
          links.url({ driveId: drive.id, itemId: item.id, version: version ?? item.versions.length - 1 }),
      },
      limits: { simpleUploadMax: 250 * 1024 * 1024, deltaPageSize: 200, childrenPageSize: 200 },
      rewriteOnUpload: { extensions: [] },
    };
    const faults = new FaultRules();
    const counters = new RequestCounters();
    const app = createServer({ tls, faults, counters, baseUrl, publicOrigin: origin });
    let info: EmulatorInfo | undefined;
    registerEntraRoutes(app, entra);
    registerGraphRoutes(app, env);
    registerTransferRoutes(app, env);
    registerControlRoutes(app, { env, faults, counters, info: () => info });
    await app.listen({ host: "127.0.0.1", port: opts.port ?? 0 });
    const listenOrigin = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    origin.listenOrigin = listenOrigin;
    entra.baseUrl = listenOrigin;
    info = buildInfo(listenOrigin, tls.caFile, directory, store);
    if (opts.hostnames?.length) info.hostnames = [...opts.hostnames];
    if (origin.configured) info.public_origin = origin.configured;
    return {
      info,
      env,
      entra,
      close: async () => {
        await app.close();
        cleanup();
      },
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

function buildInfo(baseUrl: string, caFile: string, directory: Directory, store: ContentStore): EmulatorInfo {
  const tenant = directory.tenants[0];
  if (!tenant) throw new Error("the fixture declares no tenant");
  const withSecret = tenant.apps.find((a) => a.secrets.length > 0);
  const site = store.sites.find((s) => s.tenantId === tenant.id) ?? store.sites[0];
  return {
    graph_base_url: baseUrl,
    authority_host: baseUrl,
    ca_file: caFile,
    tenant_id: tenant.id,
    tenant_name: tenant.name,
    client_id: withSecret?.appId ?? tenant.apps[0]?.appId ?? "",
    client_secret: withSecret?.secrets[0]?.value ?? "",
    site_id: site?.id ?? "",
    site_url: site ? siteWebUrl(site) : "",
    drive_id: site?.drives[0]?.id ?? "",
    users: tenant.users.map((u) => ({ id: u.id, email: u.mail, name: u.displayName, password: u.password })),
    apps: tenant.apps.map((a) => {
      const cert = directory.generatedCertificates.find((c) => c.appId === a.appId);
      return {
        client_id: a.appId,
        name: a.displayName,
        ...(a.secrets[0] ? { secret: a.secrets[0].value } : {}),
        ...(cert
          ? {
              cert_file: cert.certFile,
              key_file: cert.keyFile,
              thumbprint_sha1: cert.thumbprintSha1,
              thumbprint_sha256: cert.thumbprintSha256,
            }
          : {}),
      };
    }),
  };
}
