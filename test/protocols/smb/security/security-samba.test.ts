import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSamba, type SambaInstance } from "../../../harness/samba.js";
import { SmbClient } from "../../../../src/protocols/smb/client.js";
import {
  closeSidResolver,
  getResolvedSecurityDescriptor,
  getSecurityDescriptor,
  lookupNames,
  lookupSids,
} from "../../../../src/protocols/smb/security-api.js";
import { SidResolver } from "../../../../src/protocols/smb/rpc/sid-resolver.js";
import type { RpcPipe } from "../../../../src/protocols/smb/rpc/rpc-pipe.js";
import {
  AceFlag,
  decodeSecurityDescriptor,
  encodeSecurityDescriptor,
  summarizeAccessMask,
} from "../../../../src/protocols/smb/security/index.js";

/** Parses `smbcacls --numeric` output: REVISION, CONTROL, OWNER, GROUP and ACL lines. */
function parseSmbcacls(out: string) {
  const aces: { sid: string; kind: string; flags: number; mask: number }[] = [];
  let owner = "";
  let group = "";
  for (const line of out.split("\n")) {
    const [key, ...rest] = line.trim().split(":");
    const value = rest.join(":");
    if (key === "OWNER") owner = value;
    if (key === "GROUP") group = value;
    if (key === "ACL") {
      const m = /^(S-[\d-]+):(ALLOWED|DENIED|0|1)\/(0x[0-9a-f]+|\d+)\/(0x[0-9a-f]+)$/i.exec(value);
      assert.ok(m, `unexpected smbcacls ACL line ${line}`);
      aces.push({
        sid: m[1],
        kind: m[2] === "ALLOWED" || m[2] === "0" ? "allow" : "deny",
        flags: Number(m[3]),
        mask: Number(m[4]),
      });
    }
  }
  return { owner, group, aces };
}

describe("security descriptors and LSARPC against real Samba", { timeout: 120_000 }, () => {
  let samba: SambaInstance;
  let client: SmbClient;
  const NETBIOS = "SCAITEST";

  before(async () => {
    samba = await startSamba({
      ownAddress: true,
      shares: { acl: { "vfs objects": "acl_xattr", "acl_xattr:ignore system acls": "yes", "read only": "no" } },
    });
    client = await SmbClient.connect({
      host: samba.host,
      port: samba.port,
      domain: samba.domain,
      username: samba.username,
      password: samba.password,
    });
  });

  after(async () => {
    await closeSidResolver(client).catch(() => undefined);
    await client?.close().catch(() => undefined);
    await samba?.stop();
  });

  test(
    "first pipe call on a fresh server (Samba may answer " +
      "STATUS_PENDING while it starts rpcd_lsad); names round trip",
    async () => {
      const user = `${NETBIOS}\\${samba.username}`;
      const byName = await lookupNames(client, [user, "Everyone", "BUILTIN\\Administrators", "nosuchuser-xyz"]);
      const u = byName.get(user);
      assert.ok(u, "test user resolves");
      assert.match(u.sid, /^S-1-5-21-\d+-\d+-\d+-\d+$/);
      assert.equal(u.type, "user");
      assert.equal(u.domain, NETBIOS);
      assert.equal(byName.get("Everyone")?.sid, "S-1-1-0");
      assert.equal(byName.get("Everyone")?.type, "well_known_group");
      assert.equal(byName.get("BUILTIN\\Administrators")?.sid, "S-1-5-32-544");
      assert.equal(byName.get("nosuchuser-xyz"), null);

      const bySid = await lookupSids(client, [u.sid, "S-1-1-0", "S-1-5-32-544"]);
      assert.deepEqual(bySid.get(u.sid), { sid: u.sid, domain: NETBIOS, name: samba.username, type: "user" });
      assert.deepEqual(bySid.get("S-1-1-0"), {
        sid: "S-1-1-0",
        domain: "",
        name: "Everyone",
        type: "well_known_group",
      });
      assert.deepEqual(bySid.get("S-1-5-32-544"), {
        sid: "S-1-5-32-544",
        domain: "BUILTIN",
        name: "Administrators",
        type: "alias",
      });
    },
  );

  test("unknown SID and malformed SID map to null; all-unknown batch (STATUS_NONE_MAPPED) too", async () => {
    const res = await lookupSids(client, ["S-1-5-21-1-2-3-4", "S-1-1-0", "not-a-sid"]);
    assert.equal(res.get("S-1-5-21-1-2-3-4"), null);
    assert.equal(res.get("not-a-sid"), null);
    assert.equal(res.get("S-1-1-0")?.name, "Everyone");
    const none = await lookupSids(client, ["S-1-5-21-9-9-9-1234", "S-1-5-21-9-9-9-1235"]);
    assert.deepEqual([...none.values()], [null, null]);
    const noNames = await lookupNames(client, ["nobody-1-xyz", "nobody-2-xyz"]);
    assert.deepEqual([...noNames.values()], [null, null]);
  });

  test("ACL set with smbcacls reads back identically, with names resolved through LSARPC", async () => {
    const dir = join(samba.shares.acl, "project");
    mkdirSync(dir);
    chownSync(dir, samba.uid, samba.gid);
    writeFileSync(join(dir, "report.txt"), "hello");
    chownSync(join(dir, "report.txt"), samba.uid, samba.gid);
    const unc = `//${samba.host}/acl`;
    const user = `${NETBIOS}\\${samba.username}`;
    const set = await samba.run("smbcacls", [
      unc,
      "project",
      "-S",
      `ACL:${user}:ALLOWED/OI|CI/FULL,ACL:Everyone:DENIED/0x0/0x00000040,ACL:BUILTIN\\Users:ALLOWED/OI|CI|IO/READ,ACL:S-1-5-21-1-2-3-4:ALLOWED/0x0/CHANGE`,
    ]);
    assert.equal(set.code, 0, set.stderr + set.stdout);
    const shown = await samba.run("smbcacls", [unc, "project", "--numeric"]);
    assert.equal(shown.code, 0, shown.stderr);
    const expected = parseSmbcacls(shown.stdout);
    assert.equal(expected.aces.length, 4);

    const tree = await client.tree("acl");
    const { descriptor: sd, accounts } = await getResolvedSecurityDescriptor(client, tree, "project");
    assert.equal(sd.owner, expected.owner);
    assert.equal(sd.group, expected.group);
    assert.deepEqual(
      sd.dacl?.aces.map((a) => ({ sid: a.sid, kind: a.kind, flags: a.flags, mask: a.mask })),
      expected.aces,
    );
    const mine = sd.dacl!.aces.find((a) => accounts.get(a.sid!)?.name === samba.username)!;
    assert.equal(accounts.get(mine.sid!)?.domain, NETBIOS);
    assert.equal(summarizeAccessMask(mine.mask).level, "full");
    assert.equal(mine.flags, AceFlag.OBJECT_INHERIT | AceFlag.CONTAINER_INHERIT);
    const users = sd.dacl!.aces.find((a) => a.sid === "S-1-5-32-545")!;
    assert.deepEqual(accounts.get("S-1-5-32-545"), {
      sid: "S-1-5-32-545",
      domain: "BUILTIN",
      name: "Users",
      type: "alias",
    });
    assert.equal(summarizeAccessMask(users.mask).level, "read");
    assert.equal(users.flags & AceFlag.INHERIT_ONLY, AceFlag.INHERIT_ONLY);
    const deny = sd.dacl!.aces.find((a) => a.kind === "deny")!;
    assert.equal(deny.sid, "S-1-1-0");
    assert.equal(accounts.get("S-1-5-21-1-2-3-4"), null);
    assert.equal(summarizeAccessMask(sd.dacl!.aces.find((a) => a.sid === "S-1-5-21-1-2-3-4")!.mask).level, "change");

    const raw = await tree.querySecurityDescriptor("project");
    assert.deepEqual(encodeSecurityDescriptor(decodeSecurityDescriptor(raw)), raw, "re-encoding gives smbd's bytes");

    const child = await samba.run("smbcacls", [unc, "project/report.txt", "--numeric"]);
    const ownerOnly = await getSecurityDescriptor(tree, "project/report.txt", { owner: true });
    assert.equal(ownerOnly.owner, parseSmbcacls(child.stdout).owner);
    assert.equal(ownerOnly.dacl, undefined);
  });

  test("a killed connection fails over: the resolver reopens the LSA pipe on the reconnected client", async () => {
    const before = await lookupSids(client, ["S-1-5-32-544"]);
    assert.equal(before.get("S-1-5-32-544")?.name, "Administrators");
    assert.ok(samba.signalServingChildren().length >= 1, "an smbd child serves our connection");
    const res = await lookupSids(client, ["S-1-5-32-545"]);
    assert.equal(res.get("S-1-5-32-545")?.name, "Users");
    const names = await lookupNames(client, ["BUILTIN\\Guests"]);
    assert.equal(names.get("BUILTIN\\Guests")?.sid, "S-1-5-32-546");
  });

  test(
    "small fragments (1432), transceive-only pipe: lookups batched " +
      "so each exchange fits one fragment; per-connection cache",
    async () => {
      let transceives = 0;
      const resolver = new SidResolver(
        async (): Promise<RpcPipe> => {
          const pipe = await client.openPipe("lsarpc");
          // No read/write on purpose: the fallback for pipes that can only transceive.
          return { transceive: (d) => (transceives++, pipe.transceive(d)), close: () => pipe.close() };
        },
        { maxFrag: 1432 },
      );
      try {
        const sids = ["S-1-1-0", "S-1-5-32-544", "S-1-5-32-545"];
        for (let i = 0; i < 300; i++) sids.push(`S-1-5-21-7-8-9-${5000 + i}`);
        const res = await resolver.resolveSids(sids);
        assert.equal(res.size, sids.length);
        assert.equal(res.get("S-1-5-32-545")?.name, "Users");
        assert.equal(res.get("S-1-1-0")?.name, "Everyone");
        assert.equal([...res.values()].filter((v) => v === null).length, 300);
        const after1 = transceives;
        assert.ok(
          after1 > 10,
          `303 SIDs went out in several calls whose answers fit one 1432-byte fragment (${after1})`,
        );
        const again = await resolver.resolveSids(["s-1-5-32-545", "S-1-5-21-7-8-9-5000"]);
        assert.equal(again.get("s-1-5-32-545")?.name, "Users");
        assert.equal(again.get("S-1-5-21-7-8-9-5000"), null);
        assert.equal(transceives, after1, "answered from the cache");

        const names = Array.from({ length: 120 }, (_, i) => `no-such-account-with-a-long-name-${i}`);
        names.push(`${NETBIOS}\\${samba.username}`);
        const byName = await resolver.resolveNames(names);
        assert.equal([...byName.values()].filter((v) => v === null).length, 120);
        assert.equal(byName.get(`${NETBIOS}\\${samba.username}`)?.type, "user");
      } finally {
        await resolver.close();
      }
    },
  );
});

describe("LSARPC over an SMB 3.1.1 session with encryption and signing required", { timeout: 120_000 }, () => {
  let samba: SambaInstance;
  let client: SmbClient;

  before(async () => {
    samba = await startSamba({
      global: { "server min protocol": "SMB3_11", "server smb encrypt": "required", "server signing": "mandatory" },
    });
    client = await SmbClient.connect({
      host: samba.host,
      port: samba.port,
      domain: samba.domain,
      username: samba.username,
      password: samba.password,
    });
  });

  after(async () => {
    await closeSidResolver(client).catch(() => undefined);
    await client?.close().catch(() => undefined);
    await samba?.stop();
  });

  test("names and SIDs round trip; descriptor of the share root decodes", async () => {
    assert.equal(client.dialect, 0x0311);
    const user = `SCAITEST\\${samba.username}`;
    const byName = await lookupNames(client, [user]);
    const sid = byName.get(user)?.sid;
    assert.ok(sid);
    const bySid = await lookupSids(client, [sid]);
    assert.equal(bySid.get(sid)?.name, samba.username);
    const tree = await client.tree("share");
    const { descriptor, accounts } = await getResolvedSecurityDescriptor(client, tree, "");
    assert.ok(descriptor.owner, "owner present");
    assert.ok(descriptor.dacl && descriptor.dacl.aces.length > 0, "DACL has ACEs");
    for (const ace of descriptor.dacl.aces) assert.ok(accounts.has(ace.sid!), `trustee ${ace.sid} looked up`);
  });
});
