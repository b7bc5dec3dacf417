/**
 * A folder the SMB service account can no longer list must not read as "everything in it was
 * deleted": real smbd, the real SMB adapter and a real ScaiDrive store. The folder is made
 * unlistable the way an admin would (owned by root, mode 0700, while smbd serves the test user).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import pino from "pino";
import { startSamba, type SambaInstance } from "../harness/samba.js";
import { SYSTEM_ACTOR } from "../../src/core/actor.js";
import { createSyncStores, type SyncStores } from "../../src/store/sync/sync-stores.js";
import type { ConnectorRecord } from "../../src/store/sync/connector-store.js";
import { ConnectorTypeRegistry } from "../../src/sync/connector-types.js";
import { SyncService } from "../../src/sync/sync-service.js";
import { JobRunner } from "../../src/sync/job-runner.js";
import { createSmbRemote } from "../../src/connectors/smb/smb-remote.js";
import { NetworkPolicy } from "../../src/connectors/network-policy.js";
import { openScaidriveFixture, type ScaidriveFixture } from "./helpers/scaidrive-fixture.js";
import { readText } from "../harness/read-stream.js";

describe("engine + SMB: an unlistable folder is not a deletion", { timeout: 180_000 }, () => {
  let samba: SambaInstance;
  let fx: ScaidriveFixture;
  let stores: SyncStores;
  let service: SyncService;

  before(async () => {
    samba = await startSamba({ shares: { share: {} } });
    fx = await openScaidriveFixture();
    stores = createSyncStores(fx.ctx.db);
    const types = new ConnectorTypeRegistry();
    types.register({
      type: "smb",
      remoteName: "smb",
      async openRemote(c) {
        const remote = createSmbRemote({
          host: samba.host,
          port: samba.port,
          domain: samba.domain,
          username: samba.username,
          password: samba.password,
          shareName: "share",
          basePath: (c.config as { base_path: string }).base_path,
          network: NetworkPolicy.unrestricted(),
        });
        await remote.connect();
        return remote;
      },
    });
    service = new SyncService({
      stores,
      types,
      openScaidrive: (c) => fx.remoteFor(c.target_share_id, c.target_path),
      logger: pino({ level: "silent" }),
      runner: new JobRunner({ stores, logger: pino({ level: "silent" }), progressFlushMs: 20 }),
      retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
      schedulerTickMs: 3_600_000,
    });
  });

  after(async () => {
    await service?.stop();
    await fx?.close();
    await samba?.stop();
  });

  /** A base folder in the share (owned by the test user) with closed/a.txt, closed/sub/b.txt, open.txt. */
  const world = async (name: string, direction: string) => {
    const root = join(samba.shares.share!, name);
    const put = (rel: string, content?: string) => {
      const p = join(root, rel);
      if (content === undefined) mkdirSync(p, { recursive: true });
      else writeFileSync(p, content);
      chownSync(p, samba.uid, samba.gid);
    };
    put("");
    put("closed");
    put("closed/sub");
    put("closed/a.txt", "alpha");
    put("closed/sub/b.txt", "beta");
    put("open.txt", "open v1");
    const share = await fx.newShare();
    const target = `/${name}`;
    const connector: ConnectorRecord = await stores.connectors.create({
      type: "smb",
      name,
      description: null,
      target_share_id: share,
      target_path: target,
      sync_direction: direction,
      conflict_resolution: "SMB_WINS",
      include_patterns: null,
      exclude_patterns: null,
      sync_hidden_files: false,
      sync_system_files: false,
      sync_permissions: false,
      sync_versions: false,
      sync_interval_minutes: 0,
      max_delete_percent: 50,
      config: { base_path: name },
      secrets: {},
      created_by: fx.serviceUserId,
    });
    const sync = async (opts: { fullSync?: boolean } = {}) =>
      (await service.waitForJob((await service.requestSync(connector.id, opts)).id))!;
    const tree = async () => {
      const out: Record<string, string> = {};
      for await (const n of fx.ctx.nodes.walk(share, target, SYSTEM_ACTOR)) {
        out[n.path.slice(target.length + 1)] =
          n.type === "folder" ? "<dir>" : await readText(await fx.ctx.nodes.openContent(n.current_version_id!));
      }
      return out;
    };
    const writeB = (rel: string, content: string) =>
      fx.ctx.nodes.writeFile(share, `${target}/${rel}`, Readable.from([Buffer.from(content)]), { actor: SYSTEM_ACTOR });
    const lock = () => {
      chownSync(join(root, "closed"), 0, 0);
      chmodSync(join(root, "closed"), 0o700);
    };
    const unlock = () => {
      chmodSync(join(root, "closed"), 0o755);
      chownSync(join(root, "closed"), samba.uid, samba.gid);
    };
    return { root, put, sync, tree, writeB, lock, unlock, connector };
  };

  const synced = { closed: "<dir>", "closed/a.txt": "alpha", "closed/sub": "<dir>", "closed/sub/b.txt": "beta" };

  for (const direction of ["smb_to_scaidrive", "bidirectional"]) {
    test(
      `${direction}: files synced under a folder that ` +
        `became unlistable stay in ScaiDrive; the folder is reported once`,
      async () => {
        const w = await world(`unlisted-${direction}`, direction);
        try {
          const first = await w.sync();
          assert.equal(first.status, "completed", JSON.stringify(first.error));
          assert.deepEqual(await w.tree(), { ...synced, "open.txt": "open v1" });

          w.lock();
          w.put("open.txt", "open v2");
          if (direction === "bidirectional")
            await w.writeB("closed/from-scaidrive.txt", "not pushed into an unknown folder");
          for (const fullSync of [false, true]) {
            const job = await w.sync({ fullSync });
            assert.equal(job.status, "completed", JSON.stringify(job.error));
            assert.equal(job.error_count, 1, "one error: the folder");
            const entries = await stores.jobs.entries(job.id);
            const errors = entries.filter((x) => x.result === "error");
            assert.deepEqual(
              errors.map((x) => [x.path, x.error?.code]),
              [["closed", "folder_unlisted"]],
            );
            assert.match(errors[0]!.error!.message, /access_denied/);
            assert.ok(!entries.some((x) => x.action === "delete"), "nothing deleted");
            assert.ok(!entries.some((x) => x.path.startsWith("closed/")), "nothing below the folder touched");
            const tree = await w.tree();
            assert.equal(tree["open.txt"], "open v2", "the rest of the share still syncs");
            for (const [p, c] of Object.entries(synced)) assert.equal(tree[p], c, `${p} kept in ScaiDrive`);
          }
          const base = await stores.fileStates.loadBase(w.connector.id);
          assert.ok(
            base.some((b) => b.path === "closed/sub/b.txt"),
            "the base below the folder is kept",
          );

          w.unlock();
          const again = await w.sync();
          assert.equal(again.status, "completed", JSON.stringify(again.error));
          assert.equal(again.error_count, 0);
          const entries = await stores.jobs.entries(again.id);
          assert.ok(!entries.some((x) => x.action === "delete"), "readable again: still nothing deleted");
          if (direction === "bidirectional") {
            assert.deepEqual(
              entries.filter((x) => x.action === "copy").map((x) => x.path),
              ["closed/from-scaidrive.txt"],
              "pushed once the folder is listable",
            );
          } else {
            assert.equal(again.files_total, 0, JSON.stringify(entries.map((x) => [x.action, x.path, x.result])));
          }
        } finally {
          w.unlock();
        }
      },
    );
  }
});
