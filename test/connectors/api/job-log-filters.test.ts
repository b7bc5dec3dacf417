/**
 * The job log's server-side filters and the file-states search, on SQLite and PostgreSQL: a job
 * with 100,000 log entries, `result=error` and `action=…` (comma list or repeated) page with the
 * cursor through exactly the matching entries in log order; bad filter values are 400s that name
 * the field; readers still get no entries. Prints how long a filtered page takes over the 100k
 * entries (not asserted: it depends on the machine). `/summary` counts the entries per action and
 * result in SQL, for readers too. `search=` narrows the file-states by path.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { startConnectorApiServer, type ConnectorApiServer } from "./connector-api-server.js";

const BASE = "/api/v1/smb-connectors";
const ENTRIES = 100_000;

/** The log the test writes: mostly copies, every 100th a delete, some moves; 200 errors. */
const actionOf = (i: number) => (i % 100 === 0 ? "delete" : i % 250 === 1 ? "move" : "copy");
const resultOf = (i: number) => (i % 1000 === 0 || i % 1000 === 3 ? "error" : "ok");

for (const dialect of ["sqlite", "postgres"] as const)
  describe(`job log filters and file-states search (${dialect})`, () => {
    let s: ConnectorApiServer;
    let connectorId: string;
    let jobId: string;

    before(async () => {
      s = await startConnectorApiServer({}, { dialect });
      const shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Finance" } })).body.id;
      const c = await s.api("POST", BASE, {
        json: {
          name: "Finance Fileserver",
          server_host: "fs01.corp.example.com",
          share_name: "Finance",
          username: "scaidrive-svc",
          password: "Filter-Secret-42",
          target_share_id: shareId,
          target_path: "/From Fileserver",
        },
      });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      connectorId = c.body.id;
      // A finished job holding a long log, written as the engine writes it (the store's batches).
      const { jobs, fileStates } = s.runtime.stores;
      jobId = (await jobs.createSkipped(connectorId, "manual", "log written by the test")).id;
      const started = performance.now();
      for (let from = 0; from < ENTRIES; from += 2000) {
        const batch = [];
        for (let i = from; i < Math.min(ENTRIES, from + 2000); i++) {
          const result = resultOf(i);
          batch.push({
            seq: i,
            action: actionOf(i),
            path: `reports/${String(Math.floor(i / 1000)).padStart(3, "0")}/file-${i}.txt`,
            result,
            error: result === "error" ? { code: "LOCKED", message: `file-${i}.txt is locked` } : null,
            bytes: 100,
            detail: null,
          });
        }
        await jobs.addEntries(jobId, batch);
      }
      console.log(`[${dialect}] wrote ${ENTRIES} log entries in ${Math.round(performance.now() - started)} ms`);
      for (const path of ["Budget/2026.xlsx", "budget-notes.txt", "Reports/Q1.pdf", "Reports/q2_final.pdf", "a%b.txt"])
        await fileStates.markSynced(connectorId, {
          path,
          kind: "file",
          remote_id: null,
          remote_fingerprint: `fp-${path}`,
          remote_mtime_ms: Date.UTC(2026, 0, 2),
          remote_size: 10,
          scaidrive_node_id: null,
          scaidrive_version_id: `ver-${path}`,
          sha256: null,
        });
    });
    after(async () => {
      await s?.close();
    });

    /** Every entry a filter lets through, following `next_cursor`; also the time of each page. */
    async function readAll(query: string, limit: number) {
      const entries: Array<{ seq: number; action: string; result: string; error: unknown }> = [];
      const times: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const qs = `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const t = performance.now();
        const r = await s.api("GET", `${BASE}/${connectorId}/jobs/${jobId}?${qs}`);
        times.push(performance.now() - t);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        entries.push(...r.body.entries);
        cursor = r.body.next_cursor;
        assert.ok(++pages < 500, "the paging ends");
      } while (cursor);
      return { entries, times };
    }

    const expected = (keep: (i: number) => boolean) => {
      const out: number[] = [];
      for (let i = 0; i < ENTRIES; i++) if (keep(i)) out.push(i);
      return out;
    };

    test("result=error pages through exactly the errors, in log order", async () => {
      const { entries } = await readAll("result=error", 30);
      assert.deepEqual(
        entries.map((e) => e.seq),
        expected((i) => resultOf(i) === "error"),
      );
      assert.ok(entries.every((e) => e.result === "error" && e.error !== null));
    });

    test("action=delete,move and action=delete&action=move give the same entries", async () => {
      const comma = await readAll("action=delete,move", 500);
      const repeated = await readAll("action=delete&action=move", 500);
      const want = expected((i) => ["delete", "move"].includes(actionOf(i)));
      assert.equal(want.length, 1400);
      assert.deepEqual(
        comma.entries.map((e) => e.seq),
        want,
      );
      assert.deepEqual(
        repeated.entries.map((e) => e.seq),
        want,
      );
    });

    test("result and action together: both must match", async () => {
      const { entries } = await readAll("result=error&action=delete", 1000);
      assert.deepEqual(
        entries.map((e) => e.seq),
        expected((i) => resultOf(i) === "error" && actionOf(i) === "delete"),
      );
      const none = await s.api("GET", `${BASE}/${connectorId}/jobs/${jobId}?result=warning`);
      assert.equal(none.status, 200);
      assert.deepEqual(none.body.entries, []);
      assert.equal(none.body.next_cursor, null);
    });

    test("a filtered page over 100,000 entries (printed, not asserted)", async () => {
      const figures: string[] = [];
      for (const [label, query] of [
        ["result=error, first page of 200", "result=error&limit=200"],
        ["action=move, first page of 200", "action=move&limit=200"],
        ["no filter, first page of 200", "limit=200"],
      ] as const) {
        const runs: number[] = [];
        for (let n = 0; n < 5; n++) {
          const t = performance.now();
          const r = await s.api("GET", `${BASE}/${connectorId}/jobs/${jobId}?${query}`);
          runs.push(performance.now() - t);
          assert.equal(r.status, 200);
        }
        runs.sort((a, b) => a - b);
        figures.push(`${label}: median ${runs[2]!.toFixed(1)} ms`);
      }
      // The last page of a sparse filter: the cursor jumps straight to it through the index.
      const { times } = await readAll("result=error", 50);
      figures.push(`result=error paged by 50 (${times.length} pages): slowest ${Math.max(...times).toFixed(1)} ms`);
      console.log(`[${dialect}] job log over ${ENTRIES} entries — ${figures.join("; ")}`);
    });

    test("summary: counts per action and per result over all 100,000 entries, for managers and readers", async () => {
      const tally = (of: (i: number) => string) => {
        const out: Record<string, number> = {};
        for (let i = 0; i < ENTRIES; i++) out[of(i)] = (out[of(i)] ?? 0) + 1;
        return out;
      };
      const times: number[] = [];
      for (let n = 0; n < 5; n++) {
        const t = performance.now();
        const r = await s.api("GET", `${BASE}/${connectorId}/jobs/${jobId}/summary`);
        times.push(performance.now() - t);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.deepEqual(r.body, {
          job_id: jobId,
          status: "skipped",
          entries: ENTRIES,
          by_action: tally(actionOf),
          by_result: tally(resultOf),
        });
      }
      assert.deepEqual(tally(resultOf), { error: 200, ok: 99_800 });
      times.sort((a, b) => a - b);
      console.log(`[${dialect}] summary over ${ENTRIES} entries: median ${times[2]!.toFixed(1)} ms`);

      // The counts name no path: a reader of the target share gets them as well.
      const reader = await s.user("summary-reader");
      const share = (await s.api("GET", `${BASE}/${connectorId}`)).body.target_share_id;
      const acl = await s.api("PUT", `/api/v1/shares/${share}/acl?path=/`, {
        json: { aces: [{ principal_id: reader.id, permissions: ["READ"] }], inherit: true },
      });
      assert.ok(acl.status < 300, JSON.stringify(acl.body));
      const asReader = await s.api("GET", `${BASE}/${connectorId}/jobs/${jobId}/summary`, { token: reader.token });
      assert.equal(asReader.status, 200, JSON.stringify(asReader.body));
      assert.equal(asReader.body.by_result.error, 200);

      // A job without entries counts nothing; an unknown job is a 404.
      const empty = (await s.runtime.stores.jobs.createSkipped(connectorId, "manual", "empty log")).id;
      const none = await s.api("GET", `${BASE}/${connectorId}/jobs/${empty}/summary`);
      assert.equal(none.status, 200, JSON.stringify(none.body));
      assert.deepEqual([none.body.entries, none.body.by_action, none.body.by_result], [0, {}, {}]);
      const missing = await s.api("GET", `${BASE}/${connectorId}/jobs/job_nope/summary`);
      assert.equal(missing.status, 404);
    });

    test("unknown result values and malformed actions are 400s naming the field", async () => {
      for (const q of ["result=bogus", "result=error,nope", "action=DROP%20TABLE", "action=copy,"]) {
        const r = await s.api("GET", `${BASE}/${connectorId}/jobs/${jobId}?${q}`);
        assert.equal(r.status, 400, `${q}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, "VALIDATION_FAILED");
        assert.match(r.body.error.message, /result|action/);
      }
    });

    test("a reader of the target share gets the job without entries, whatever the filter", async () => {
      const reader = await s.user("rui");
      const share = (await s.api("GET", `${BASE}/${connectorId}`)).body.target_share_id;
      const acl = await s.api("PUT", `/api/v1/shares/${share}/acl?path=/`, {
        json: { aces: [{ principal_id: reader.id, permissions: ["READ"] }], inherit: true },
      });
      assert.ok(acl.status < 300, JSON.stringify(acl.body));
      const r = await s.api("GET", `${BASE}/${connectorId}/jobs/${jobId}?result=error`, { token: reader.token });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.entries, undefined);
      const states = await s.api("GET", `${BASE}/${connectorId}/file-states?search=budget`, { token: reader.token });
      assert.equal(states.status, 403);
    });

    test("file-states search: case-insensitive part of the path, LIKE wildcards taken literally, paged", async () => {
      const paths = async (q: string) => {
        const r = await s.api("GET", `${BASE}/${connectorId}/file-states?${q}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return { paths: r.body.file_states.map((f: { path: string }) => f.path), next: r.body.next_cursor };
      };
      assert.deepEqual((await paths("search=budget")).paths, ["Budget/2026.xlsx", "budget-notes.txt"]);
      assert.deepEqual((await paths("search=REPORTS%2F")).paths, ["Reports/Q1.pdf", "Reports/q2_final.pdf"]);
      assert.deepEqual((await paths("search=_")).paths, ["Reports/q2_final.pdf"]);
      assert.deepEqual((await paths("search=%25")).paths, ["a%b.txt"]);
      assert.deepEqual((await paths("search=nothing-like-this")).paths, []);
      const first = await paths("search=.&limit=2");
      assert.equal(first.paths.length, 2);
      const second = await paths(`search=.&limit=10&cursor=${encodeURIComponent(first.next)}`);
      assert.deepEqual([...first.paths, ...second.paths].length, 5);
      assert.equal(second.next, null);
      const all = await paths("search=");
      assert.equal(all.paths.length, 5);
    });
  });
