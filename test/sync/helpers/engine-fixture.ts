/**
 * Engine tests with two real ScaiDrive shares as the two sides: share A plays "the remote"
 * through the same ScaidriveRemote adapter, share B is the connector's target. A connector type
 * "share" (remote name "share": `share_to_scaidrive`, `SHARE_WINS`) is registered for them, with
 * optional decorators to inject real mid-transfer changes or failures of the remote side.
 */
import { Readable } from "node:stream";
import pino from "pino";
import { SYSTEM_ACTOR } from "../../../src/core/actor.js";
import { createSyncStores, type SyncStores } from "../../../src/store/sync/sync-stores.js";
import type { ConnectorRecord } from "../../../src/store/sync/connector-store.js";
import { ConnectorTypeRegistry } from "../../../src/sync/connector-types.js";
import { SyncService } from "../../../src/sync/sync-service.js";
import { JobRunner } from "../../../src/sync/job-runner.js";
import type { Remote } from "../../../src/sync/remote.js";
import type { SyncHooks } from "../../../src/sync/sync-hooks.js";
import type { SyncJobRecord } from "../../../src/store/sync/sync-job-store.js";
import { openScaidriveFixture, type ScaidriveFixture } from "./scaidrive-fixture.js";
import { readAll } from "../../harness/read-stream.js";

export type RemoteDecorator = (inner: Remote, connector: ConnectorRecord) => Remote | Promise<Remote>;

export interface EngineFixture {
  fx: ScaidriveFixture;
  stores: SyncStores;
  service: SyncService;
  /** Decorates the remote side of the next runs (undefined = plain share A). */
  decorate: { fn?: RemoteDecorator };
  /** Called after each finished plan action (to simulate crashes). */
  onAction: { fn?: (jobId: string, done: number) => void };
  /** Hooks handed to the next runs. */
  hooks: { value?: SyncHooks };
  /** A new connector between a fresh share A and (by default) a fresh share B. */
  newPair(settings?: Partial<ConnectorRecord>): Promise<Pair>;
  close(): Promise<void>;
}

export interface Pair {
  connector: ConnectorRecord;
  shareA: string;
  shareB: string;
  /** Share path prefix of the synced subtree in B. */
  target: string;
  writeA(path: string, content: string | Buffer, mtime?: Date): Promise<void>;
  writeB(path: string, content: string | Buffer, mtime?: Date): Promise<void>;
  mkdirA(path: string): Promise<void>;
  mkdirB(path: string): Promise<void>;
  deleteA(path: string): Promise<void>;
  deleteB(path: string): Promise<void>;
  moveA(from: string, to: string): Promise<void>;
  moveB(from: string, to: string): Promise<void>;
  /** path -> content of every file (folders as "<dir>"), relative to each side's root. */
  treeA(): Promise<Record<string, string>>;
  treeB(): Promise<Record<string, string>>;
  idB(path: string): Promise<string>;
  versionsB(path: string): Promise<number>;
  versionsA(path: string): Promise<number>;
  sync(options?: { fullSync?: boolean; dryRun?: boolean; force?: boolean }): Promise<SyncJobRecord>;
  update(patch: Partial<ConnectorRecord>): Promise<void>;
}

export async function openEngineFixture(
  options: { concurrency?: number; databaseUrl?: string } = {},
): Promise<EngineFixture> {
  const fx = await openScaidriveFixture({ databaseUrl: options.databaseUrl });
  const stores = createSyncStores(fx.ctx.db);
  const decorate: EngineFixture["decorate"] = {};
  const onAction: EngineFixture["onAction"] = {};
  const hooks: EngineFixture["hooks"] = {};
  const types = new ConnectorTypeRegistry();
  types.register({
    type: "share",
    remoteName: "share",
    async openRemote(c) {
      const cfg = c.config as { share_id: string; root: string };
      const inner = await fx.remoteFor(cfg.share_id, cfg.root);
      return decorate.fn ? decorate.fn(inner, c) : inner;
    },
    hooks: () => hooks.value ?? {},
  });
  const service = new SyncService({
    stores,
    types,
    openScaidrive: (c) => fx.remoteFor(c.target_share_id, c.target_path),
    logger: pino({ level: "silent" }),
    concurrency: options.concurrency ?? 4,
    retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    runner: new JobRunner({ stores, logger: pino({ level: "silent" }), progressFlushMs: 20 }),
    schedulerTickMs: 3_600_000,
    orphanAfterMs: 0,
    onActionDone: (jobId, n) => onAction.fn?.(jobId, n),
  });
  const nodes = fx.ctx.nodes;

  const makePair = async (settings: Partial<ConnectorRecord> = {}): Promise<Pair> => {
    const shareA = await fx.newShare();
    const shareB = settings.target_share_id ?? (await fx.newShare());
    const rootA = "/remote root";
    const target = settings.target_path ?? "/From Remote";
    await nodes.mkdirp(shareA, rootA, { actor: SYSTEM_ACTOR });
    let connector = await stores.connectors.create({
      type: "share",
      name: "test pair",
      description: null,
      target_share_id: shareB,
      target_path: target,
      sync_direction: "bidirectional",
      conflict_resolution: "LAST_WRITER_WINS",
      include_patterns: null,
      exclude_patterns: null,
      sync_hidden_files: false,
      sync_system_files: false,
      sync_permissions: false,
      sync_versions: false,
      sync_interval_minutes: 0,
      max_delete_percent: 50,
      config: { share_id: shareA, root: rootA },
      secrets: {},
      created_by: fx.serviceUserId,
      ...settings,
    });
    const abs = (root: string, p: string) => (p === "" ? root : `${root}/${p}`);
    const write = async (share: string, root: string, p: string, content: string | Buffer, mtime?: Date) => {
      await nodes.writeFile(share, abs(root, p), Readable.from([Buffer.from(content)]), { actor: SYSTEM_ACTOR, mtime });
    };
    const tree = async (share: string, root: string) => {
      const out: Record<string, string> = {};
      for await (const n of nodes.walk(share, root, SYSTEM_ACTOR)) {
        const rel = n.path.slice(root.length + 1);
        out[rel] =
          n.type === "folder" ? "<dir>" : (await readAll(await nodes.openContent(n.current_version_id!))).toString();
      }
      return out;
    };
    const versions = async (share: string, root: string, p: string) => {
      const n = await nodes.stat(share, abs(root, p), SYSTEM_ACTOR);
      return (await nodes.listVersions(n.id, { limit: 1000 }, SYSTEM_ACTOR)).items.length;
    };
    return {
      get connector() {
        return connector;
      },
      shareA,
      shareB,
      target,
      writeA: (p, c, m) => write(shareA, rootA, p, c, m),
      writeB: (p, c, m) => write(shareB, target, p, c, m),
      mkdirA: async (p) => void (await nodes.mkdirp(shareA, abs(rootA, p), { actor: SYSTEM_ACTOR })),
      mkdirB: async (p) => void (await nodes.mkdirp(shareB, abs(target, p), { actor: SYSTEM_ACTOR })),
      deleteA: (p) => nodes.delete(shareA, abs(rootA, p), SYSTEM_ACTOR),
      deleteB: (p) => nodes.delete(shareB, abs(target, p), SYSTEM_ACTOR),
      moveA: async (f, t) => void (await nodes.move(shareA, abs(rootA, f), abs(rootA, t), { actor: SYSTEM_ACTOR })),
      moveB: async (f, t) => void (await nodes.move(shareB, abs(target, f), abs(target, t), { actor: SYSTEM_ACTOR })),
      treeA: () => tree(shareA, rootA),
      treeB: () => tree(shareB, target),
      idB: async (p) => (await nodes.stat(shareB, abs(target, p), SYSTEM_ACTOR)).id,
      versionsB: (p) => versions(shareB, target, p),
      versionsA: (p) => versions(shareA, rootA, p),
      async sync(opts = {}) {
        const job = await service.requestSync(connector.id, opts);
        return (await service.waitForJob(job.id))!;
      },
      async update(patch) {
        connector = await stores.connectors.update(connector.id, patch);
      },
    } as Pair;
  };

  return {
    fx,
    stores,
    service,
    decorate,
    onAction,
    hooks,
    newPair: makePair,
    async close() {
      await service.stop();
      await fx.close();
    },
  };
}
