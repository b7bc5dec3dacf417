/**
 * An independent Graph client against the emulator: Debian's rclone, whose `onedrive` backend
 * was written against real OneDrive for Business / SharePoint, run unmodified. Its hosts are
 * hard-coded (graph.microsoft.com, login.microsoftonline.com), so it runs in a network namespace
 * whose hosts file maps them to loopback, where a forwarder hands connections to the emulator
 * (rclone/net-namespace.ts). It trusts the run's CA through `--ca-cert`. Skipped, with the
 * reason, only where rclone or `ip netns` (as root) is missing.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { quickXorHashOf } from "./content/quick-xor-hash.js";
import { startGraphEmulator, type GraphEmulator } from "./emulator.js";
import { loadFixture } from "./fixture.js";
import { control } from "./graph-test-support.js";
import {
  bridgeUnixSocketToTcp,
  createNetNamespace,
  netNamespaceUnavailable,
  type NetNamespace,
} from "./rclone/net-namespace.js";
import { trustCaInProcess } from "./tls.js";

const MICROSOFT_HOSTS = ["graph.microsoft.com", "login.microsoftonline.com", "contoso.sharepoint.com"];

function rcloneUnavailable(): string | undefined {
  const probe = spawnSync("rclone", ["version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return "rclone is not installed (scripts/ensure-system-deps.sh installs it)";
  return undefined;
}

const unavailable = rcloneUnavailable() ?? netNamespaceUnavailable();

interface LsEntry {
  Path: string;
  Name: string;
  Size: number;
  ModTime: string;
  IsDir: boolean;
  Hashes?: Record<string, string>;
}

interface FaultRule {
  id: string;
  fired: number;
  firedAt: number[];
}

/**
 * The demo fixture's first library as rclone should list it: folders and files with size and
 * QuickXorHash (hex, as rclone prints it) computed here from the fixture text, not read from the
 * emulator. OneNote notebooks (and what is inside) are left out: rclone hides packages unless
 * `--onedrive-expose-onenote-files`.
 */
function expectedListing(): Array<{ path: string; isDir: boolean; size?: number; quickXor?: string }> {
  const lib = loadFixture(undefined).sites![0].libraries[0];
  const items = lib.items ?? [];
  const notebooks = items.filter((i) => i.type === "notebook").map((i) => `${i.path}/`);
  const out = new Map<string, { path: string; isDir: boolean; size?: number; quickXor?: string }>();
  for (const item of items) {
    if (item.type === "notebook" || notebooks.some((n) => item.path.startsWith(n))) continue;
    const parts = item.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      out.set(dir, { path: dir, isDir: true });
    }
    const last = item.versions?.at(-1) ?? item;
    const text = typeof last === "string" ? last : last.content;
    if (text === undefined && item.contentBase64 === undefined && item.size === undefined && !item.versions) {
      out.set(item.path, { path: item.path, isDir: true });
      continue;
    }
    assert.ok(text !== undefined, `the demo fixture's ${item.path} has text content`);
    const bytes = Buffer.from(text);
    out.set(item.path, {
      path: item.path,
      isDir: false,
      size: bytes.length,
      quickXor: Buffer.from(quickXorHashOf(bytes), "base64").toString("hex"),
    });
  }
  return [...out.values()].sort((a, b) => a.path.localeCompare(b.path));
}

const sorted = (paths: string[]): string[] => [...paths].sort((a, b) => a.localeCompare(b));

/** Every file below `dir`: relative path → sha256. */
function treeDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

describe("rclone onedrive backend against the emulator", { skip: unavailable && `skipped: ${unavailable}` }, () => {
  let emu: GraphEmulator;
  let ns: NetNamespace | undefined;
  let bridge: { close(): Promise<void> } | undefined;
  let work: string;
  let configFile: string;
  const timings: Record<string, number> = {};

  /** Runs rclone in the namespace against remote `emu:`; rejects with its stderr on a non-zero exit. */
  const rclone = async (
    label: string,
    args: string[],
  ): Promise<{ stdout: string; stderr: string; code: number; ms: number }> => {
    const [cmd, ...prefix] = ns!.execPrefix;
    const argv = [
      ...prefix,
      "rclone",
      "--config",
      configFile,
      "--ca-cert",
      emu.info.ca_file,
      "--retries",
      "1",
      "--low-level-retries",
      "5",
      "--contimeout",
      "10s",
      "--timeout",
      "30s",
      ...args,
    ];
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work };
    const started = Date.now();
    const result = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
      execFile(cmd, argv, { env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
      );
    });
    const ms = Date.now() - started;
    timings[label] = ms;
    return { ...result, ms };
  };
  const ok = async (label: string, args: string[]): Promise<string> => {
    const r = await rclone(label, args);
    assert.equal(r.code, 0, `rclone ${args.join(" ")} failed (${r.code}):\n${r.stderr}`);
    return r.stdout;
  };
  const lsjson = async (label: string, remote: string, ...flags: string[]): Promise<LsEntry[]> =>
    (JSON.parse(await ok(label, ["lsjson", ...flags, remote])) as LsEntry[]).sort((a, b) =>
      a.Path.localeCompare(b.Path),
    );

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "sd-rclone-"));
    emu = await startGraphEmulator({ hostnames: MICROSOFT_HOSTS });
    await trustCaInProcess(readFileSync(emu.info.ca_file, "utf8"));
    const socketPath = join(work, "emulator.sock");
    bridge = await bridgeUnixSocketToTcp(socketPath, Number(new URL(emu.info.graph_base_url).port));
    ns = await createNetNamespace({ hostnames: MICROSOFT_HOSTS, port: 443, socketPath });

    // A delegated sign-in (ROPC stands in for rclone's browser flow) gives the refresh token
    // rclone is configured with; the expired access token makes rclone's first call refresh it
    // at https://login.microsoftonline.com/common/oauth2/v2.0/token.
    const alice = emu.info.users.find((u) => u.email.startsWith("alice@"))!;
    const res = await fetch(`${emu.info.authority_host}/${emu.info.tenant_id}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        client_id: emu.info.client_id,
        client_secret: emu.info.client_secret,
        username: alice.email,
        password: alice.password!,
        scope: "Files.ReadWrite.All Sites.ReadWrite.All offline_access",
      }),
    });
    const tokens = (await res.json()) as { refresh_token?: string };
    assert.ok(tokens.refresh_token, "ROPC with offline_access returns a refresh token");
    configFile = join(work, "rclone.conf");
    writeFileSync(
      configFile,
      [
        "[emu]",
        "type = onedrive",
        `client_id = ${emu.info.client_id}`,
        `client_secret = ${emu.info.client_secret}`,
        `drive_id = ${emu.info.drive_id}`,
        "drive_type = documentLibrary",
        `token = ${JSON.stringify({
          access_token: "expired",
          token_type: "Bearer",
          refresh_token: tokens.refresh_token,
          expiry: "2001-01-01T00:00:00Z",
        })}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
  });

  after(async () => {
    if (Object.keys(timings).length) console.log(`rclone timings (ms): ${JSON.stringify(timings)}`);
    await ns?.close();
    await bridge?.close();
    await emu?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("lsjson -R --hash equals the fixture (names, sizes, QuickXorHash); the token was refreshed", async () => {
    const listing = await lsjson("lsjson -R --hash", "emu:", "-R", "--hash");
    assert.deepEqual(
      listing.map((e) => ({
        path: e.Path,
        isDir: e.IsDir,
        ...(e.IsDir ? {} : { size: e.Size, quickXor: e.Hashes?.quickxor }),
      })),
      expectedListing(),
    );
    const stats = (await control(emu, "tokens/stats", undefined, "GET")) as { issued: Record<string, number> };
    assert.ok((stats.issued.refresh_token ?? 0) >= 1, "rclone refreshed its token on login.microsoftonline.com");
  });

  test("copy down: the library to a local folder, rclone check clean, bytes as in the fixture", async () => {
    const local = join(work, "down");
    await ok("copy down", ["copy", "--create-empty-src-dirs", "emu:Campaigns", local]);
    await ok("check down", ["check", local, "emu:Campaigns"]);
    assert.equal(readFileSync(join(local, "2026", "Brief.docx"), "utf8"), "Spring launch brief - final\n");
    assert.ok(statSync(join(local, "2025")).isDirectory(), "empty folders come down too");
  });

  test("copy up: small files and a 20 MiB upload session, check clean, copy back identical", async () => {
    const local = join(work, "up");
    mkdirSync(join(local, "sub", "deeper"), { recursive: true });
    writeFileSync(join(local, "a.txt"), "alpha\n");
    writeFileSync(join(local, "Résumé ü.txt"), "unicode name\n");
    writeFileSync(join(local, "empty.txt"), "");
    writeFileSync(join(local, "sub", "b.txt"), randomBytes(70_000));
    writeFileSync(join(local, "sub", "deeper", "c.md"), "# c\n");
    writeFileSync(join(local, "big.bin"), randomBytes(20 * 1024 * 1024));
    const mtime = new Date("2021-03-04T05:06:07Z");
    for (const name of ["a.txt", "empty.txt", "big.bin"]) utimesSync(join(local, name), mtime, mtime);
    await control(emu, "counters", undefined, "DELETE");
    await ok("copy up", ["copy", local, "emu:Upload"]);
    const counters = (await control(emu, "counters", undefined, "GET")) as Record<string, number>;
    const fragments = counters["PUT /_upload/:id"] ?? 0;
    // rclone's default chunk is 10 MiB: the 20 MiB file takes two fragments, each small file one.
    assert.ok(fragments >= 2 + 4, `fragments uploaded: ${fragments}`);
    const sessions = Object.entries(counters)
      .filter(([k]) => k.startsWith("POST ") && k.endsWith("/createUploadSession"))
      .reduce((n, [, v]) => n + v, 0);
    assert.equal(sessions, 5, `one upload session per non-empty file: ${JSON.stringify(counters)}`);
    await ok("check up", ["check", local, "emu:Upload"]);

    // Modification times travel in fileSystemInfo (upload session; PATCH after the empty file's
    // simple upload), so a second copy finds everything up to date and transfers nothing.
    const top = await lsjson("lsjson up", "emu:Upload", "--files-only");
    for (const name of ["a.txt", "empty.txt", "big.bin"]) {
      assert.equal(top.find((e) => e.Name === name)?.ModTime, "2021-03-04T05:06:07Z", name);
    }
    await control(emu, "counters", undefined, "DELETE");
    await ok("copy up again", ["copy", local, "emu:Upload"]);
    const again = (await control(emu, "counters", undefined, "GET")) as Record<string, number>;
    const writes = Object.keys(again).filter((k) => /^(PUT|POST|PATCH|DELETE) /.test(k));
    assert.deepEqual(writes, [], `a second copy writes nothing: ${JSON.stringify(again)}`);
    const back = join(work, "back");
    await ok("copy back", ["copy", "emu:Upload", back]);
    assert.deepEqual(treeDigest(back), treeDigest(local));
    const big = (await lsjson("lsjson big", "emu:Upload", "--hash", "--files-only")).find((e) => e.Name === "big.bin");
    assert.equal(big?.Size, 20 * 1024 * 1024);
    assert.equal(
      big?.Hashes?.quickxor,
      Buffer.from(quickXorHashOf(readFileSync(join(local, "big.bin"))), "base64").toString("hex"),
    );
  });

  test("mkdir, moveto of a file and of a directory (server-side), deletefile", async () => {
    await ok("mkdir", ["mkdir", "emu:Made/Inner"]);
    const made = await lsjson("lsjson made", "emu:Made");
    assert.deepEqual(
      made.map((e) => [e.Path, e.IsDir]),
      [["Inner", true]],
    );

    await control(emu, "counters", undefined, "DELETE");
    await ok("moveto file", ["moveto", "emu:Upload/a.txt", "emu:Made/a renamed.txt"]);
    await ok("moveto dir", ["moveto", "emu:Upload/sub", "emu:Made/Inner/sub moved"]);
    const counters = (await control(emu, "counters", undefined, "GET")) as Record<string, number>;
    assert.equal(counters["PATCH /drives/{drive-id}/items/{item-id}"], 2, JSON.stringify(counters));
    assert.equal(counters["PUT /_upload/:id"], undefined, "moves are server-side, nothing is uploaded");
    assert.ok(
      (counters["GET /drives/{drive-id}/items/{item-id}:/{path}:"] ?? 0) >= 1,
      "the directory move read the folder through items/{id}:/",
    );

    const moved = await lsjson("lsjson moved", "emu:Made", "-R");
    assert.deepEqual(
      moved.map((e) => e.Path),
      sorted([
        "Inner",
        "Inner/sub moved",
        "Inner/sub moved/b.txt",
        "Inner/sub moved/deeper",
        "Inner/sub moved/deeper/c.md",
        "a renamed.txt",
      ]),
    );
    const rest = await lsjson("lsjson upload", "emu:Upload");
    assert.deepEqual(
      rest.map((e) => e.Path),
      sorted(["Résumé ü.txt", "big.bin", "empty.txt"]),
    );

    await ok("deletefile", ["deletefile", "emu:Made/a renamed.txt"]);
    const after = await lsjson("lsjson after delete", "emu:Made");
    assert.deepEqual(
      after.map((e) => e.Path),
      ["Inner"],
    );
  });

  test("purge removes a tree; about reports the library's quota", async () => {
    await ok("purge", ["purge", "emu:Upload"]);
    const top = await lsjson("lsjson top", "emu:");
    assert.deepEqual(
      top.map((e) => e.Path),
      ["Campaigns", "Made"],
    );
    const about = JSON.parse(await ok("about", ["about", "--json", "emu:"])) as Record<string, number>;
    const drive = emu.env.store.getDrive(emu.info.drive_id);
    const used = emu.env.store.size(drive, emu.env.store.root(drive));
    assert.equal(about.used, used);
    assert.equal(about.total, 27487790694400);
    assert.equal(about.free, 27487790694400 - used);
  });

  test("429 with Retry-After: rclone retries and paces its next request by Retry-After", async () => {
    const retryAfterSec = 2;
    const rule = async (kind: "429" | "slow"): Promise<FaultRule> =>
      (await control(emu, "faults", {
        kind,
        method: "GET",
        path: "/children$",
        count: 1,
        ...(kind === "429" ? { retryAfterSec } : { delayMs: 0 }),
      })) as FaultRule;
    // The 429, then two pass-through rules that only time the next two listings on the
    // server's clock: the retry, and the listing after it.
    const throttled = await rule("429");
    const retry = await rule("slow");
    const next = await rule("slow");
    try {
      const r = await rclone("lsjson -R with 429", ["lsjson", "-R", "-vv", "emu:Campaigns"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`Too many requests\\. Trying again in ${retryAfterSec} seconds`));
      const listing = JSON.parse(r.stdout) as LsEntry[];
      assert.ok(listing.some((e) => e.Path === "2026/Brief.docx"));
      const rules = ((await control(emu, "faults", undefined, "GET")) as { value: FaultRule[] }).value;
      const at = (r: FaultRule): number => rules.find((x) => x.id === r.id)!.firedAt[0];
      assert.ok(at(retry) && at(next), "rclone retried the throttled listing and went on");
      const retriedAfter = at(retry) - at(throttled);
      const pacedAfter = at(next) - at(retry);
      // rclone's pacer raises its sleep to Retry-After, and that sleep gates the request after
      // the retry: the retry itself goes out on the previous (short) interval.
      console.log(
        `rclone and a 429 (Retry-After: ${retryAfterSec}): retry after ${retriedAfter} ms, ` +
          `next request ${pacedAfter} ms after the retry`,
      );
      assert.ok(pacedAfter >= retryAfterSec * 1000 - 250, `next request ${pacedAfter} ms after the retry`);
      assert.ok(pacedAfter < retryAfterSec * 1000 + 3000, `next request ${pacedAfter} ms after the retry`);
    } finally {
      await control(emu, "faults", undefined, "DELETE");
    }
  });

  test("503 on the download URL: rclone retries and the copy completes", async () => {
    const unavailableRule = (await control(emu, "faults", {
      kind: "503",
      method: "GET",
      path: "^/_download/",
      count: 1,
      retryAfterSec: 1,
    })) as FaultRule;
    const retry = (await control(emu, "faults", {
      kind: "slow",
      method: "GET",
      path: "^/_download/",
      count: 1,
      delayMs: 0,
    })) as FaultRule;
    try {
      const local = join(work, "after-503");
      await ok("copy with 503", ["copy", "emu:Campaigns/2026/Budget.xlsx", local]);
      assert.equal(readFileSync(join(local, "Budget.xlsx"), "utf8"), "Budget 2026: 120000 EUR\n");
      const rules = ((await control(emu, "faults", undefined, "GET")) as { value: FaultRule[] }).value;
      const fired = rules.find((r) => r.id === unavailableRule.id)!;
      const retried = rules.find((r) => r.id === retry.id)!;
      assert.equal(fired.fired, 1);
      assert.equal(retried.fired, 1, "rclone retried the download");
      // rclone 1.60 honours Retry-After on 429 only; a 503 is retried on its own back-off.
      console.log(`rclone retried a 503 (Retry-After: 1) after ${retried.firedAt[0] - fired.firedAt[0]} ms`);
    } finally {
      await control(emu, "faults", undefined, "DELETE");
    }
  });
});
