/**
 * A network namespace in which fixed host names (graph.microsoft.com, login.microsoftonline.com,
 * …) resolve to its own loopback, so a client with hard-coded Microsoft hosts can be run
 * against the emulator unmodified. `ip netns exec` bind-mounts `/etc/netns/<name>/hosts` over
 * `/etc/hosts` for the commands it runs. The emulator itself stays in the test process: a
 * forwarder inside the namespace takes TCP on 127.0.0.1:443 there to a Unix socket (the file
 * system is shared between namespaces), which {@link bridgeUnixSocketToTcp} hands on to the
 * emulator's port.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { promisify } from "node:util";

const run = promisify(execFile);

const PREFIX = "sdgraph-";

/**
 * Why namespaces cannot be used here (not Linux, not root, no `ip`, or the kernel or container
 * refuses `ip netns add`), or undefined. Probes by creating and deleting one.
 */
export function netNamespaceUnavailable(): string | undefined {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (process.getuid?.() !== 0) return "creating a network namespace needs root";
  const probe = `${PREFIX}probe-${process.pid}-${randomBytes(3).toString("hex")}`;
  const add = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (add.error) return `\`ip netns\` is not available (${add.error.message})`;
  spawnSync("ip", ["netns", "delete", probe]);
  if (add.status !== 0) return `\`ip netns add\` failed: ${add.stderr.trim()}`;
  return undefined;
}

/** Namespaces (and hosts files) an earlier run left behind when its process died. */
function removeStaleNamespaces(): void {
  const list = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  for (const line of (list.stdout ?? "").split("\n")) {
    const name = line.split(" ")[0];
    const pid = Number(/^sdgraph-(?:probe-)?(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    spawnSync("ip", ["netns", "delete", name]);
    rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface NetNamespace {
  name: string;
  /** argv prefix that runs a command inside the namespace: `ip netns exec <name>`. */
  execPrefix: string[];
  /** Stops what runs inside (by pid), deletes the namespace and its hosts file. */
  close(): Promise<void>;
}

/**
 * Creates a namespace with a unique name, loopback up and `hostnames` mapped to 127.0.0.1, and
 * starts the in-namespace forwarder from 127.0.0.1:`port` to `socketPath`.
 */
export async function createNetNamespace(opts: {
  hostnames: string[];
  port: number;
  socketPath: string;
}): Promise<NetNamespace> {
  removeStaleNamespaces();
  const name = `${PREFIX}${process.pid}-${randomBytes(3).toString("hex")}`;
  const etc = `/etc/netns/${name}`;
  let forwarder: ChildProcess | undefined;
  const close = async (): Promise<void> => {
    if (forwarder?.pid !== undefined && forwarder.exitCode === null && forwarder.signalCode === null) {
      const exited = new Promise((resolve) => forwarder!.once("exit", resolve));
      forwarder.kill("SIGTERM");
      await exited;
    }
    await run("ip", ["netns", "delete", name]).catch(() => undefined);
    rmSync(etc, { recursive: true, force: true });
  };
  try {
    mkdirSync(etc, { recursive: true });
    writeFileSync(
      `${etc}/hosts`,
      ["127.0.0.1 localhost", ...opts.hostnames.map((h) => `127.0.0.1 ${h}`), "::1 localhost ip6-localhost", ""].join(
        "\n",
      ),
    );
    await run("ip", ["netns", "add", name]);
    await run("ip", ["netns", "exec", name, "ip", "link", "set", "lo", "up"]);
    forwarder = spawn(
      "ip",
      [
        "netns",
        "exec",
        name,
        process.execPath,
        "--input-type=module",
        "-e",
        FORWARDER,
        String(opts.port),
        opts.socketPath,
      ],
      // stdin stays open: the forwarder exits when it closes, i.e. when this process dies.
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: forwarder!.stdout! }).once("line", (line) =>
        line === "ready" ? resolve() : reject(new Error(`namespace forwarder: ${line}`)),
      );
      forwarder!.once("exit", (code) => reject(new Error(`the namespace forwarder exited (${code})`)));
    });
    return { name, execPrefix: ["ip", "netns", "exec", name], close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Runs inside the namespace (`ip netns exec` execs it, so its pid is the child's): accepts TCP
 * on 127.0.0.1:<port> and pipes each connection to the Unix socket; exits on SIGTERM or when its
 * stdin closes (the test process died). TLS passes through
 * untouched, so the client's SNI and Host reach the emulator as sent.
 */
const FORWARDER = `
import net from "node:net";
const [port, socketPath] = process.argv.slice(1);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream).pipe(client);
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
});
server.listen(Number(port), "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => process.exit(0));
process.stdin.on("end", () => process.exit(0)).resume();
`;

/** In the test process: connections to the Unix socket are piped to 127.0.0.1:`port`. */
export async function bridgeUnixSocketToTcp(socketPath: string, port: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(socketPath, resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
