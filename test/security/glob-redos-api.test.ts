/**
 * The glob ReDoS end to end: an SMB connector (real Samba) whose exclude pattern made the old
 * backtracking matcher run for ages against a 200-character name. Through HTTP, a dry run and a
 * sync both finish, the normal file arrives, what the pattern does match stays excluded, and
 * `GET /api/v1/health` answers all along.
 *
 * The server runs as a child process: a stalled server must not stall the test's own timers, so
 * the test's `timeout` is a real hang bound.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startScaidriveProcess, type ScaidriveProcess } from "../harness/scaidrive-process.js";
import {
  BASE,
  ScaiSide,
  connectorBody,
  createConnector,
  expectClean,
  requestSync,
  smbWrite,
  startSmbSide,
  type SmbSide,
} from "../connectors/smb/e2e-world.js";

const PATTERN = "*a*a*a*a*a*a*a*a*a*a*ab";
const LONG_NAME = "a".repeat(200);
const MATCHING_NAME = `${"a".repeat(20)}b`;

describe("a glob built to backtrack, through the SMB connector API", () => {
  let smb: SmbSide;
  let server: ScaidriveProcess;

  before(async () => {
    smb = await startSmbSide();
    server = await startScaidriveProcess();
  });
  after(async () => {
    await server?.stop();
    await smb?.close();
  });

  test(`exclude ${PATTERN}: dry run and sync finish, /health keeps answering`, { timeout: 120_000 }, async () => {
    const B = "redos";
    smbWrite(smb, `${B}/${LONG_NAME}`, "two hundred a");
    smbWrite(smb, `${B}/normal.txt`, "normal");
    smbWrite(smb, `${B}/${MATCHING_NAME}`, "excluded by the pattern");
    const scai = await ScaiSide.create(server, "Glob ReDoS");
    const cnn = await createConnector(
      server,
      connectorBody(smb.samba, scai.shareId, { base_path: B, exclude_patterns: { patterns: [PATTERN] } }),
    );

    const dry = await requestSync(server, cnn, "dry_run=true");
    assert.equal(dry.status, "completed", JSON.stringify(dry));
    const planned = (dry.plan as any[]).map((p) => `${p.path ?? ""} ${p.to ?? ""}`).join("\n");
    assert.ok(planned.includes(LONG_NAME) && planned.includes("normal.txt"), planned);
    assert.ok(!planned.includes(MATCHING_NAME), planned);
    assert.deepEqual(await scai.files(), [], "a dry run changes nothing");

    const started = await requestSync(server, cnn);
    let job: any;
    let healthAnswers = 0;
    for (;;) {
      const health = await fetch(`${server.url}/api/v1/health`);
      await health.arrayBuffer();
      assert.equal(health.status, 200);
      healthAnswers++;
      const r = await server.api("GET", `${BASE}/${cnn}/jobs/${started.id}?limit=1000`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      if (r.body.status !== "queued" && r.body.status !== "running") {
        job = r.body;
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    expectClean(job);
    assert.ok(healthAnswers >= 1);
    assert.deepEqual(await scai.files(), [LONG_NAME, "normal.txt"]);
    assert.equal(await scai.get("normal.txt"), "normal");
    assert.equal(await scai.get(MATCHING_NAME), undefined, "what the pattern matches is still excluded");
  });
});
