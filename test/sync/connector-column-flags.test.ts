/**
 * `sync_versions` has one source of truth, the connectors column: a definition that declares the
 * flag gets it stored there by the generic create/PATCH routes (not in `config`), reads show the
 * column, and the definition's code (hooks, remote, test) sees the column's value.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { columnFlagsOf, effectiveConfig } from "../../src/connectors/connector-fields.js";
import { connectorDefinitions } from "../../src/connectors/index.js";
import type { ConnectorRecord } from "../../src/store/sync/connector-store.js";
import {
  control,
  expectStatus,
  newConnector,
  newShare,
  SP,
  startE2E,
  type E2E,
} from "../connectors/sharepoint/e2e-kit.js";

const def = (type: string) => connectorDefinitions.find((d) => d.type === type)!;

describe("connector column flags", () => {
  test("only definitions that declare sync_versions get it; the column wins over a stale config value", () => {
    assert.deepEqual(columnFlagsOf(def("sharepoint")), ["sync_versions"]);
    assert.deepEqual(columnFlagsOf(def("smb")), []);
    const record = {
      config: { sync_versions: false, drive_id: "b!x" },
      secrets: {},
      sync_versions: true,
    } as unknown as ConnectorRecord;
    const cfg = effectiveConfig(def("sharepoint"), record, undefined as never);
    assert.equal(cfg.sync_versions, true);
    assert.equal(cfg.drive_id, "b!x");
    assert.equal(
      effectiveConfig(def("smb"), record, undefined as never).sync_versions,
      false,
      "a type without the flag sees its config as stored",
    );
  });

  describe("over HTTP", () => {
    let e: E2E;
    before(async () => {
      e = await startE2E();
    });
    after(async () => e?.close());

    test("create and PATCH store sync_versions; reads show it", async () => {
      const base = `flags-${randomBytes(4).toString("hex")}`;
      await control(e.emu, "content/folders", { path: base });
      const share = await newShare(e);
      const on = await newConnector(e, share, base, { sync_versions: true });
      assert.equal(expectStatus(await e.api("GET", `${SP}/${on}`), 200, "get").sync_versions, true);
      const off = await newConnector(e, share, base);
      assert.equal(
        expectStatus(await e.api("GET", `${SP}/${off}`), 200, "get").sync_versions,
        false,
        "the declared default",
      );
      const patched = expectStatus(
        await e.api("PATCH", `${SP}/${on}`, { json: { sync_versions: false } }),
        200,
        "patch",
      );
      assert.equal(patched.sync_versions, false);
      assert.equal(expectStatus(await e.api("GET", `${SP}/${on}`), 200, "get").sync_versions, false);
      const untouched = expectStatus(await e.api("PATCH", `${SP}/${off}`, { json: { name: "renamed" } }), 200, "patch");
      assert.equal(untouched.sync_versions, false);
    });
  });
});
