import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A TCP proxy on a loopback port in front of a test server, so a test can do to the browser's connections what a
 * flaky network does: cut every open connection mid-request (`cutAll`), or hold all traffic (`hold`/`release`).
 * It counts the bytes the browser sends, so a test can tell a resumed upload from one that started over.
 */
export interface TcpProxy {
  /** http://127.0.0.1:<proxy port> */
  url: string;
  /** Bytes received from the browser so far (all connections). */
  readonly bytesFromClient: number;
  /** Destroys every open connection, both sides; new connections are let through as before. */
  cutAll(): void;
  /** Stops forwarding what the browser sends (it waits in the sockets); `release` lets it flow again. */
  hold(): void;
  release(): void;
  /** Calls `fn` after each chunk from the browser, with the running byte count. */
  onClientBytes(fn: ((total: number) => void) | null): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const pairs = new Set<[Socket, Socket]>();
  let fromClient = 0;
  let held = false;
  let listener: ((total: number) => void) | null = null;

  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on("data", (chunk: Buffer) => {
      fromClient += chunk.length;
      listener?.(fromClient);
    });
    if (held) client.pause();
    else client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", drop);
    upstream.on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const proxyPort = typeof addr === "object" && addr ? addr.port : 0;

  return {
    url: `http://127.0.0.1:${proxyPort}`,
    get bytesFromClient() {
      return fromClient;
    },
    cutAll() {
      for (const [client, upstream] of pairs) {
        // A reset, as when a link drops: no orderly FIN for the peer to take as the end of the body.
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pairs.clear();
    },
    hold() {
      held = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        client.pause();
      }
    },
    release() {
      held = false;
      for (const [client, upstream] of pairs) client.pipe(upstream);
    },
    onClientBytes(fn) {
      listener = fn;
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
