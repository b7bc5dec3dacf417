/**
 * Three `scaidrive serve` processes on one PostgreSQL database and one shared data dir behind a
 * real nginx (round-robin), clients talking to nginx (test/harness/cluster.ts):
 *
 * - uploads (4 KiB files kept inline in the database, 20 KiB blob files, 16 MiB streamed ones),
 *   downloads and deletes from parallel clients, so every node stores, serves, deletes and runs
 *   blob collection (triggered 2 s after its deletes) at the same time. The race it provokes:
 *   content A's only file is deleted (a collection becomes due) while another client uploads the
 *   same content as file B, through another node. A node that collects A's blob between B's
 *   upload finding it in the store and B's commit loses B's content — unless pins are shared
 *   across nodes. Afterwards: every upload readable from EVERY node directly (SHA-256 of what was
 *   sent) and its blob file present, the deleted files gone on every node with their content
 *   collected (blob files and inline rows), nothing else gone;
 * - an SMB sync (real smbd) requested from all three nodes at once: exactly one job, completing
 *   cleanly, every synced file readable from every node.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { startCluster, type Cluster } from "../harness/cluster.js";
import { pgReachable } from "../harness/postgres-database.js";
import {
  BASE,
  connectorBody,
  createConnector,
  expectClean,
  smbWrite,
  startSmbSide,
  waitJob,
  type SmbSide,
} from "../connectors/smb/e2e-world.js";
import { del, fetchSha, listFiles, pool, put, putStream, sha256, throughNginx, type Target } from "./cluster-client.js";

const PAIRS = Number(process.env.CLUSTER_TEST_PAIRS ?? 300);
const BLOB = 20 * 1024; // above the 16 KiB kept inline: a blob file
const SMALL = 4 * 1024; // inline in the database
const BIG_MIB = 16;

const blobFile = (dataDir: string, sha: string) => join(dataDir, "blobs", sha.slice(0, 2), sha);

describe("cluster: three nodes behind nginx on one PostgreSQL and one data dir", () => {
  let cluster: Cluster;
  let via: Target;
  const direct = (i: number): Target => ({ ...via, url: cluster.nodeUrls[i]! });

  before(async () => {
    // The project's machines run PostgreSQL; a missing server is a failure, not a skip.
    assert.ok(await pgReachable(), "PostgreSQL must be reachable at SCAIDRIVE_TEST_PG_URL");
    cluster = await startCluster({ nodes: 3 });
    const share = await cluster.api("POST", "/api/v1/shares", { json: { name: "Cluster" } });
    assert.equal(share.status, 201, JSON.stringify(share.body));
    via = { url: cluster.url, token: cluster.adminToken, shareId: share.body.id };
  });
  after(async () => {
    await cluster?.stop();
  });

  test("uploads, downloads, deletes, blob GC on all nodes at once: nothing lost, deleted content gone", async (t) => {
    // path -> SHA-256 of the content that must be readable there at the end
    const expected = new Map<string, string>();
    const pairs = Array.from({ length: PAIRS }, () => randomBytes(BLOB));
    const keep = [
      ...Array.from({ length: 60 }, (_, i) => [`/keep/small-${i}.txt`, randomBytes(SMALL)] as const),
      ...Array.from({ length: 30 }, (_, i) => [`/keep/blob-${i}.bin`, randomBytes(BLOB)] as const),
    ];
    const doomed = [
      ...Array.from({ length: 60 }, (_, i) => [`/doomed/small-${i}.txt`, randomBytes(SMALL)] as const),
      ...Array.from({ length: 60 }, (_, i) => [`/doomed/blob-${i}.bin`, randomBytes(BLOB)] as const),
    ];
    const fresh = [
      ...Array.from({ length: 60 }, (_, i) => [`/fresh/small-${i}.txt`, randomBytes(SMALL)] as const),
      ...Array.from({ length: 30 }, (_, i) => [`/fresh/blob-${i}.bin`, randomBytes(BLOB)] as const),
    ];

    // Seed, through nginx: each pair's first file, the files kept, the files to delete, a big one.
    const seeded = [...pairs.map((data, i) => [`/a/${i}.bin`, data] as const), ...keep, ...doomed];
    let mark = Date.now();
    const phase = (name: string) => {
      t.diagnostic(`${name}: ${Date.now() - mark} ms`);
      mark = Date.now();
    };
    await pool(16, seeded, ([path, data]) => put(via, path, data));
    const big = await putStream(via, "/keep/big.bin", BIG_MIB);
    phase(`seeded ${seeded.length} files and one of ${BIG_MIB} MiB`);
    for (const [path, data] of keep) expected.set(path, sha256(data));
    expected.set("/keep/big.bin", big.sha256);
    const used = new Set(cluster.nginx.upstreams());
    assert.equal(used.size, 3, `nginx spread the uploads over the three nodes: ${[...used].join(", ")}`);

    // Everything at once, through nginx.
    const pairsDone = pool(12, pairs, async (data, i) => {
      await del(via, `/a/${i}.bin`);
      await put(via, `/b/${i}.bin`, data);
      expected.set(`/b/${i}.bin`, sha256(data));
    });
    const deletes = pool(2, doomed, ([path]) => del(via, path));
    const uploads = pool(2, fresh, async ([path, data]) => {
      await put(via, path, data);
      expected.set(path, sha256(data));
    });
    const bigUpload = putStream(via, "/fresh/big.bin", BIG_MIB).then((r) => expected.set("/fresh/big.bin", r.sha256));
    const duringChaos: string[] = [];
    const downloads = pool(2, [...keep, ["/keep/big.bin", undefined] as const], async ([path, data]) => {
      const got = await fetchSha(via, path);
      if (got.status !== 200 || got.sha256 !== (data ? sha256(data) : big.sha256))
        duringChaos.push(`${path}: ${got.status} ${got.text ?? "other content"}`);
    });
    await Promise.all([pairsDone, deletes, uploads, bigUpload, downloads]);
    phase(
      `${PAIRS} delete+re-upload pairs, ${doomed.length} deletes, ${fresh.length + 1} uploads, ` +
        `${keep.length + 1} downloads at once`,
    );

    // Wait for the collections the deletes requested: the deleted content's blob files and inline rows go.
    const doomedBlobs = doomed.filter(([, d]) => d.length > 16 * 1024).map(([, d]) => sha256(d));
    const doomedInline = doomed.filter(([, d]) => d.length <= 16 * 1024).map(([, d]) => sha256(d));
    const db = new pg.Client({ connectionString: cluster.database.url });
    await db.connect();
    try {
      const inlineLeft = async () =>
        Number(
          (await db.query("select count(*) as n from inline_blobs where sha256 = any($1)", [doomedInline])).rows[0].n,
        );
      const until = Date.now() + 30_000;
      let files = doomedBlobs.filter((s) => existsSync(blobFile(cluster.dataDir, s))).length;
      let rows = await inlineLeft();
      while ((files > 0 || rows > 0) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 250));
        files = doomedBlobs.filter((s) => existsSync(blobFile(cluster.dataDir, s))).length;
        rows = await inlineLeft();
      }
      assert.equal(files, 0, "the deleted files' blob files are collected");
      assert.equal(rows, 0, "the deleted files' inline content is collected");
      // The content of every file that remains is still stored (in the database when inline).
      const inlineKept = [...expected].filter(([p]) => p.includes("small-")).map(([, s]) => s);
      const stored = Number(
        (await db.query("select count(*) as n from inline_blobs where sha256 = any($1)", [inlineKept])).rows[0].n,
      );
      assert.equal(stored, inlineKept.length, "inline content of the remaining files is kept");
    } finally {
      await db.end();
    }
    // A collection requested by the last deletes may still be walking: let it finish before looking.
    await new Promise((r) => setTimeout(r, 3000));
    phase("deleted content collected");

    const lostBlobs = [...expected]
      .filter(([p]) => !p.includes("small-"))
      .filter(([, s]) => !existsSync(blobFile(cluster.dataDir, s)))
      .map(([p]) => p);
    assert.deepEqual(lostBlobs, [], "no blob file of a remaining file was collected");
    assert.deepEqual(await listFiles(via), [...expected.keys()].sort(), "exactly the expected files remain");

    assert.deepEqual(duringChaos, [], "the files kept were readable while everything ran");
    for (let node = 0; node < 3; node++) {
      const bad: string[] = [];
      await pool(8, [...expected], async ([path, sha]) => {
        const got = await fetchSha(direct(node), path);
        if (got.status !== 200 || got.sha256 !== sha) bad.push(`${path}: ${got.status} ${got.text ?? ""}`.trim());
      });
      assert.deepEqual(bad.slice(0, 10), [], `node ${node} serves every remaining file (${bad.length} bad)`);
      const gone: string[] = [];
      // (The first files of the pairs are gone from the listing above; the doomed ones are asked for by path.)
      await pool(8, doomed, async ([path]) => {
        const got = await fetchSha(direct(node), path);
        if (got.status !== 404) gone.push(`${path}: ${got.status}`);
      });
      assert.deepEqual(gone.slice(0, 10), [], `node ${node} no longer serves the deleted files`);
    }
    phase("every file checked on every node");
  });

  test("an SMB sync requested from every node at once runs once; its files are readable on every node", async () => {
    const smb: SmbSide = await startSmbSide();
    try {
      const files = new Map<string, string>();
      for (let i = 0; i < 300; i++) {
        const rel = `d${i % 5}/f-${i}.bin`;
        const data = randomBytes(i % 3 === 0 ? BLOB : SMALL);
        smbWrite(smb, `src/${rel}`, data);
        files.set(rel, sha256(data));
      }
      const server = throughNginx(cluster);
      const cnn = await createConnector(
        server,
        connectorBody(smb.samba, via.shareId, {
          base_path: "src",
          target_path: "/smb",
          sync_direction: "smb_to_scaidrive",
        }),
      );
      const answers = await Promise.all([0, 1, 2].map((i) => cluster.nodeApi(i, "POST", `${BASE}/${cnn}/sync`)));
      const accepted = answers.filter((a) => a.status === 202);
      assert.equal(accepted.length, 1, `one node accepts the run: ${JSON.stringify(answers.map((a) => a.body))}`);
      for (const a of answers.filter((x) => x.status !== 202)) {
        assert.equal(a.status, 409, JSON.stringify(a.body));
        assert.equal(a.body.error.code, "SYNC_ALREADY_RUNNING");
        assert.equal(a.body.error.details.job_id, accepted[0]!.body.id, "the others name the accepted job");
      }
      const job = expectClean(await waitJob(server, cnn, accepted[0]!.body.id));
      const jobs = await cluster.api("GET", `${BASE}/${cnn}/jobs`);
      assert.deepEqual(
        jobs.body.jobs.map((j: any) => j.id),
        [job.id],
        "no second job",
      );
      for (let node = 0; node < 3; node++) {
        const bad: string[] = [];
        await pool(8, [...files], async ([rel, sha]) => {
          const got = await fetchSha(direct(node), `/smb/${rel}`);
          if (got.status !== 200 || got.sha256 !== sha) bad.push(`${rel}: ${got.status}`);
        });
        assert.deepEqual(bad.slice(0, 10), [], `node ${node} serves every synced file (${bad.length} bad)`);
      }
    } finally {
      await smb.close();
    }
  });
});
