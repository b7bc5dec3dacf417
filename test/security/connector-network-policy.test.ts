/**
 * The connector network policy below the API: CIDR parsing and the IPv4-mapped / IPv4-compatible
 * forms, the allow/deny rule, the start-up configuration, the fetch that every SharePoint request
 * goes through (a 302 to a refused address is refused, nothing reaches it), the SMB client's
 * lookup (an IP literal is checked too, no socket is opened), and how the engine treats a refusal
 * (job-level, never retried, DESTINATION_DENIED).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from "node:net";
import { canonicalAddress, parseCidr, parseCidrList } from "../../src/connectors/network-cidr.js";
import {
  DEFAULT_DENY_NETWORKS,
  DestinationDeniedError,
  NetworkPolicy,
  findDestinationDenied,
} from "../../src/connectors/network-policy.js";
import { policyFetch } from "../../src/connectors/network-policy-fetch.js";
import { loadConfig } from "../../src/server/config.js";
import { SmbClient, SmbError } from "../../src/protocols/smb/index.js";
import { RemoteError, isJobLevel } from "../../src/sync/remote-errors.js";
import { withRetry } from "../../src/sync/retry-policy.js";
import { jobError } from "../../src/sync/sync-run.js";
import { mountError } from "../../src/core/mounts/mount-errors.js";
import { toRemoteError as smbToRemoteError } from "../../src/connectors/smb/smb-error-mapping.js";
import { toRemoteError as graphToRemoteError } from "../../src/connectors/sharepoint/graph-errors.js";

const POLICY_SUFFIX =
  "which this server's connector network policy refuses (SCAIDRIVE_CONNECTOR_DENY_NETWORKS / _ALLOW_NETWORKS)";
const defaults = () => NetworkPolicy.fromText({});

describe("CIDR lists and address forms", () => {
  test("networks parse in both families; a bare address is one host; blanks and empty entries are ignored", () => {
    assert.deepEqual(parseCidr("10.0.0.0/8"), { network: "10.0.0.0", prefix: 8, family: "ipv4" });
    assert.deepEqual(parseCidr(" fd00:EC2::254/128 "), { network: "fd00:ec2::254", prefix: 128, family: "ipv6" });
    assert.deepEqual(parseCidr("192.168.1.7"), { network: "192.168.1.7", prefix: 32, family: "ipv4" });
    assert.deepEqual(parseCidr("::1"), { network: "::1", prefix: 128, family: "ipv6" });
    assert.deepEqual(parseCidrList("127.0.0.0/8, ,::1/128,"), [
      { network: "127.0.0.0", prefix: 8, family: "ipv4" },
      { network: "::1", prefix: 128, family: "ipv6" },
    ]);
  });

  test("an IPv4-mapped IPv6 network of prefix >= 96 is the IPv4 network it covers", () => {
    assert.deepEqual(parseCidr("::ffff:10.0.0.0/104"), { network: "10.0.0.0", prefix: 8, family: "ipv4" });
    assert.deepEqual(parseCidr("::ffff:169.254.169.254"), { network: "169.254.169.254", prefix: 32, family: "ipv4" });
  });

  test("malformed entries are refused with the entry named", () => {
    for (const bad of [
      "10.0.0.0/33",
      "::/129",
      "10.0.0.0/",
      "10.0.0.0/8x",
      "10.0.0/8",
      "example.com/24",
      "fe80::1%eth0/64",
      "1.2.3.4/-1",
    ]) {
      assert.throws(
        () => parseCidrList(`127.0.0.0/8,${bad}`),
        (e: Error) => e.message.includes(`"${bad}"`),
        bad,
      );
    }
  });

  test("IPv4-mapped and IPv4-compatible IPv6 addresses are matched as their IPv4 address; :: and ::1 stay IPv6", () => {
    const cases: Array<[string, string | undefined]> = [
      ["::ffff:127.0.0.1", "127.0.0.1"],
      ["::FFFF:7f00:1", "127.0.0.1"],
      ["0:0:0:0:0:ffff:a9fe:a9fe", "169.254.169.254"],
      ["::127.0.0.1", "127.0.0.1"],
      ["::a9fe:a9fe", "169.254.169.254"],
      ["[::ffff:127.0.0.1]", "127.0.0.1"],
      ["::1", "::1"],
      ["::", "::"],
      ["0:0:0:0:0:0:0:1", "::1"],
      ["fe80::1%eth0", "fe80::1"],
      ["FD00:EC2:0::254", "fd00:ec2::254"],
      ["127.0.0.1", "127.0.0.1"],
      ["localhost", undefined],
      ["fs01.corp.example.com", undefined],
    ];
    for (const [input, want] of cases) assert.equal(canonicalAddress(input)?.address, want, input);
  });
});

describe("the allow/deny rule", () => {
  test(
    "the default denies loopback, link-local (metadata), " + "unspecified and AWS IPv6 metadata, in every spelling",
    () => {
      const p = defaults();
      for (const a of [
        "127.0.0.1",
        "127.255.255.254",
        "::1",
        "169.254.169.254",
        "fe80::1",
        "fe80::1%eth0",
        "0.0.0.0",
        "::",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "::ffff:7f00:1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "::ffff:0.0.0.0",
      ]) {
        assert.equal(p.permits(a), false, a);
      }
      for (const a of [
        "10.0.0.5",
        "192.168.1.2",
        "172.16.0.1",
        "8.8.8.8",
        "::ffff:10.1.2.3",
        "2001:db8::1",
        "fd00::1",
        "fd00:ec2::253",
      ]) {
        assert.equal(p.permits(a), true, a);
      }
      assert.equal(p.permits("localhost"), false, "a name is never permitted before it is resolved");
      assert.deepEqual(p.describe(), { deny: [...DEFAULT_DENY_NETWORKS], allow: null });
    },
  );

  test("none denies nothing; a deny list replaces the default", () => {
    assert.equal(NetworkPolicy.fromText({ deny: "none" }).permits("127.0.0.1"), true);
    assert.equal(NetworkPolicy.fromText({ deny: " NONE " }).permits("169.254.169.254"), true);
    const own = NetworkPolicy.fromText({ deny: "10.0.0.0/8" });
    assert.equal(own.permits("10.9.8.7"), false);
    assert.equal(own.permits("::ffff:10.9.8.7"), false);
    assert.equal(own.permits("127.0.0.1"), true);
  });

  test("with an allow list exactly its addresses are permitted, even those the deny list covers", () => {
    const p = NetworkPolicy.fromText({ allow: "127.0.0.1/32" });
    assert.equal(p.permits("127.0.0.1"), true);
    assert.equal(p.permits("::ffff:127.0.0.1"), true);
    assert.equal(p.permits("127.0.0.2"), false);
    assert.equal(p.permits("::1"), false);
    assert.equal(p.permits("10.0.0.1"), false);
    const both = NetworkPolicy.fromText({ deny: "10.0.0.0/8", allow: "10.1.0.0/16, 2001:db8::/32" });
    assert.equal(both.permits("10.1.2.3"), true);
    assert.equal(both.permits("10.2.0.1"), false);
    assert.equal(both.permits("2001:db8::5"), true);
    assert.equal(both.permits("8.8.8.8"), false);
  });

  test("resolve checks names and literals and names the refused address", async () => {
    const p = defaults();
    await assert.rejects(p.resolve("::ffff:127.0.0.1"), (e: unknown) => {
      assert.ok(e instanceof DestinationDeniedError);
      assert.equal(e.message, `::ffff:127.0.0.1 resolves to 127.0.0.1, ${POLICY_SUFFIX}`);
      assert.equal(e.code, "DESTINATION_DENIED");
      return true;
    });
    await assert.rejects(
      p.resolve("169.254.169.254"),
      (e: Error) => e.message === `169.254.169.254 resolves to 169.254.169.254, ${POLICY_SUFFIX}`,
    );
    await assert.rejects(p.resolve("localhost"), (e: Error) =>
      /^localhost resolves to (127\.0\.0\.1|::1), which this server's/.test(e.message),
    );
    assert.deepEqual(await p.resolve("10.1.2.3"), [{ address: "10.1.2.3", family: 4 }]);
    assert.deepEqual(await NetworkPolicy.fromText({ deny: "none" }).resolve("[::1]"), [{ address: "::1", family: 6 }]);
  });
});

describe("configuration", () => {
  test("loadConfig reads both variables; defaults when unset; a malformed entry fails naming the variable", () => {
    assert.equal(loadConfig({}).connectorNetwork.permits("127.0.0.1"), false);
    assert.equal(loadConfig({ SCAIDRIVE_CONNECTOR_DENY_NETWORKS: "none" }).connectorNetwork.permits("127.0.0.1"), true);
    assert.equal(
      loadConfig({ SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS: "127.0.0.1/32" }).connectorNetwork.permits("127.0.0.1"),
      true,
    );
    assert.throws(
      () => loadConfig({ SCAIDRIVE_CONNECTOR_DENY_NETWORKS: "127.0.0.0/8,10.0.0.0/33" }),
      /^Error: SCAIDRIVE_CONNECTOR_DENY_NETWORKS: "10\.0\.0\.0\/33"/,
    );
    assert.throws(
      () => loadConfig({ SCAIDRIVE_CONNECTOR_DENY_NETWORKS: "intranet" }),
      /SCAIDRIVE_CONNECTOR_DENY_NETWORKS: "intranet" is not an IP network/,
    );
    assert.throws(
      () => loadConfig({ SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS: "10.0.0.0/8,fd00::/x" }),
      /SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS: "fd00::\/x"/,
    );
    assert.throws(
      () => loadConfig({ SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS: " , " }),
      /SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS: lists no network/,
    );
  });
});

describe("policyFetch: every hop goes to a checked address", () => {
  let origin: Server;
  let elsewhere: Server;
  let originPort: number;
  let elsewherePort: number;
  let elsewhereHits = 0;
  const hosts: string[] = [];

  before(async () => {
    // Linux routes all of 127/8 to loopback: 127.0.0.2 is "another host" the allow list leaves out.
    elsewhere = createHttpServer((req, res) => {
      elsewhereHits++;
      res.end("secret");
    });
    await new Promise<void>((r) => elsewhere.listen(0, "127.0.0.2", r));
    elsewherePort = (elsewhere.address() as AddressInfo).port;
    origin = createHttpServer((req, res) => {
      hosts.push(String(req.headers.host));
      if (req.url === "/to-elsewhere")
        res.writeHead(302, { location: `http://127.0.0.2:${elsewherePort}/steal` }).end();
      else if (req.url === "/to-metadata")
        res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
      else res.end("ok");
    });
    await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
    originPort = (origin.address() as AddressInfo).port;
  });
  after(async () => {
    origin.closeAllConnections();
    elsewhere.closeAllConnections();
    await new Promise((r) => origin.close(r));
    await new Promise((r) => elsewhere.close(r));
  });

  test(
    "a 302 to an address outside the allow list is refused " + "as DestinationDeniedError; nothing reaches it",
    async () => {
      const f = policyFetch(NetworkPolicy.fromText({ allow: "127.0.0.1/32" }));
      assert.equal(await (await f(`http://127.0.0.1:${originPort}/plain`)).text(), "ok");
      await assert.rejects(f(`http://127.0.0.1:${originPort}/to-elsewhere`), (e: unknown) => {
        assert.ok(e instanceof DestinationDeniedError, String(e));
        assert.equal(e.message, `127.0.0.2 resolves to 127.0.0.2, ${POLICY_SUFFIX}`);
        return true;
      });
      assert.equal(elsewhereHits, 0);
      // The same redirect with nothing denied is followed: the refusal above was the policy's.
      assert.equal(
        await (await policyFetch(NetworkPolicy.unrestricted())(`http://127.0.0.1:${originPort}/to-elsewhere`)).text(),
        "secret",
      );
      assert.equal(elsewhereHits, 1);
    },
  );

  test("a 302 to the metadata address is refused by the default deny list", async () => {
    const f = policyFetch(
      NetworkPolicy.fromText({ deny: DEFAULT_DENY_NETWORKS.filter((c) => !c.startsWith("127.")).join(",") }),
    );
    await assert.rejects(
      f(`http://127.0.0.1:${originPort}/to-metadata`),
      (e: Error) => e.message === `169.254.169.254 resolves to 169.254.169.254, ${POLICY_SUFFIX}`,
    );
  });

  test(
    "a name is connected to at its checked address with its " +
      "Host header kept; a refused name fails before connecting",
    async () => {
      hosts.length = 0;
      const f = policyFetch(NetworkPolicy.unrestricted());
      assert.equal(await (await f(`http://localhost:${originPort}/plain`)).text(), "ok");
      assert.deepEqual(hosts, [`localhost:${originPort}`]);
      await assert.rejects(
        policyFetch(defaults())(`http://localhost:${originPort}/plain`),
        (e: Error) => e instanceof DestinationDeniedError,
      );
      assert.equal(hosts.length, 1);
    },
  );
});

describe("SMB client lookup: IP literals are checked too, before any socket", () => {
  let listener: TcpServer;
  let port: number;
  let accepted = 0;
  const sockets = new Set<import("node:net").Socket>();
  before(async () => {
    // Accepts and never answers: a client that got through would be seen here and then time out.
    listener = createTcpServer((s) => {
      accepted++;
      sockets.add(s.on("error", () => undefined));
    });
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    port = (listener.address() as AddressInfo).port;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => listener.close(r));
  });

  test(
    "a refused literal or name fails as unreachable with the " +
      "DestinationDeniedError as cause; the listener saw nothing",
    async () => {
      const policy = defaults();
      for (const host of ["127.0.0.1", "::ffff:127.0.0.1", "localhost"]) {
        await assert.rejects(
          SmbClient.connect({ host, port, username: "u", password: "p", timeoutMs: 2_000, lookup: policy.lookup }),
          (e: unknown) => {
            assert.ok(e instanceof SmbError && e.kind === "unreachable", String(e));
            assert.ok(findDestinationDenied(e), `cause of ${String(e)}`);
            return true;
          },
          host,
        );
      }
      assert.equal(accepted, 0);
      // Positive control: a permitted address is connected to (and times out: nobody speaks SMB there),
      // a name through net.connect's own use of the lookup (every address it returns was checked).
      const open = NetworkPolicy.unrestricted();
      await assert.rejects(
        SmbClient.connect({
          host: "127.0.0.1",
          port,
          username: "u",
          password: "p",
          timeoutMs: 500,
          lookup: open.lookup,
        }),
      );
      assert.equal(accepted, 1);
      await assert.rejects(
        SmbClient.connect({
          host: "localhost",
          port,
          username: "u",
          password: "p",
          timeoutMs: 500,
          lookup: open.lookup,
        }),
      );
      assert.equal(accepted, 2);
    },
  );
});

describe("the engine's reaction to a refusal", () => {
  const denied = () => new DestinationDeniedError("fs01", "127.0.0.1");

  test("adapters map it to destination_denied, which is job-level and never retried", async () => {
    const smb = smbToRemoteError(SmbError.unreachable("cannot connect to fs01:445: refused", denied()));
    assert.equal(smb.kind, "destination_denied");
    assert.equal(smb.retryable, false);
    assert.equal(smb.message, denied().message);
    // The Graph SDK rebuilds a middleware failure as GraphError(-1) with the name and message only.
    const sdk = Object.assign(new Error(denied().message), { statusCode: -1, code: "DestinationDeniedError" });
    assert.equal(graphToRemoteError(sdk, "list").kind, "destination_denied");
    assert.equal(isJobLevel(smb), true);
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw smb;
        },
        { attempts: 4, baseDelayMs: 1, maxDelayMs: 1 },
      ),
      (e: unknown) => e === smb,
    );
    assert.equal(calls, 1);
  });

  test("a job fails with DESTINATION_DENIED; a mount answers 400 DESTINATION_DENIED", () => {
    const err = new RemoteError("destination_denied", denied().message);
    const job = jobError(err);
    assert.equal(job.code, "DESTINATION_DENIED");
    assert.equal(job.retryable, false);
    const mount = mountError(err, "/m");
    assert.equal(mount.code, "DESTINATION_DENIED");
    assert.equal(mount.status, 400);
  });
});
