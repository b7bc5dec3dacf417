/**
 * A throwaway nginx (Debian's package) load-balancing round-robin over some ScaiDrive nodes, for
 * the cluster tests and benches. It runs as a child of the test in the foreground
 * (`-g 'daemon off;'`) with its own prefix, config, pid file, logs and temp dirs under a fresh
 * temp dir, on a free port of 127.0.0.1: no system config, no port 80.
 *
 * The proxy streams both ways (`proxy_request_buffering off`, `proxy_buffering off`): uploads and
 * downloads of any size pass through without nginx spooling them to disk, and server-sent events
 * arrive as they are sent. No body limit, long timeouts, Host and X-Forwarded-* passed on.
 *
 * `stop()` sends SIGTERM to the master's pid (SIGKILL to it and its workers after 5 s), waits for
 * the exit and removes the temp dir; safe to call twice. A process exit hook kills a master a
 * failed test left behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { makeTempDir } from "./temp-dir.js";

export interface Nginx {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Pid of the master process; undefined once it exited. */
  pid(): number | undefined;
  /** The upstream each request went to, in order (from the access log), e.g. `127.0.0.1:41234`. */
  upstreams(): string[];
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

const masters = new Set<ChildProcess>();
let hooked = false;

/** The nginx binary: NGINX_BIN, else Debian's /usr/sbin/nginx (not on a non-root PATH), else `nginx`. */
export function nginxBinary(): string {
  return process.env.NGINX_BIN ?? (existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx");
}

function config(o: { prefix: string; port: number; upstreams: string[] }): string {
  const tmp = (name: string) => join(o.prefix, "tmp", name);
  return `
worker_processes 1;
pid ${join(o.prefix, "nginx.pid")};
error_log ${join(o.prefix, "error.log")} warn;
events { worker_connections 4096; }
http {
  log_format upstream '$upstream_addr $status $request_method $request_uri';
  access_log ${join(o.prefix, "access.log")} upstream;
  client_body_temp_path ${tmp("client_body")};
  proxy_temp_path ${tmp("proxy")};
  fastcgi_temp_path ${tmp("fastcgi")};
  uwsgi_temp_path ${tmp("uwsgi")};
  scgi_temp_path ${tmp("scgi")};
  upstream scaidrive {
${o.upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=5s;`).join("\n")}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${o.port};
    client_max_body_size 0;
    client_body_timeout 3600s;
    send_timeout 3600s;
    location / {
      proxy_pass http://scaidrive;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_connect_timeout 5s;
      proxy_read_timeout 3600s;
      proxy_send_timeout 3600s;
    }
  }
}
`;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

/** Starts nginx in front of `upstreams` (`host:port` each) and waits until it accepts connections (≤ 10 s). */
export async function startNginx(upstreams: string[]): Promise<Nginx> {
  if (!hooked) {
    hooked = true;
    process.once("exit", () => {
      for (const m of masters) if (m.exitCode === null && m.signalCode === null) m.kill("SIGKILL");
    });
  }
  const temp = makeTempDir("nginx");
  const prefix = temp.path;
  // Workers drop to `nobody` when the test runs as root: they must reach the temp dirs.
  chmodSync(prefix, 0o755);
  for (const d of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
    mkdirSync(join(prefix, "tmp", d), { recursive: true });
    chmodSync(join(prefix, "tmp", d), 0o777);
  }
  const port = await freePort();
  const confPath = join(prefix, "nginx.conf");
  writeFileSync(confPath, config({ prefix, port, upstreams }));
  const errorLog = join(prefix, "error.log");
  const logTail = (lines = 30) => {
    try {
      return readFileSync(errorLog, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  };
  let stderr = "";
  // -e: the error log before the config is read (else the compiled-in /var/log/nginx/error.log).
  const master = spawn(nginxBinary(), ["-p", prefix, "-c", confPath, "-e", errorLog, "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  master.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  masters.add(master);
  const exited = new Promise<void>((r) => master.once("exit", () => (masters.delete(master), r())));
  master.once("error", (err) => (stderr += String(err)));
  const alive = () => master.exitCode === null && master.signalCode === null && master.pid !== undefined;

  const workerPids = (): number[] => {
    try {
      return readFileSync(`/proc/${master.pid}/task/${master.pid}/children`, "utf8").trim().split(/\s+/).map(Number);
    } catch {
      return [];
    }
  };
  let stopped = false;
  const self: Nginx = {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: () => (alive() ? master.pid : undefined),
    logTail,
    upstreams() {
      try {
        return readFileSync(join(prefix, "access.log"), "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => l.split(" ")[0]);
      } catch {
        return [];
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (alive()) {
        const workers = workerPids();
        process.kill(master.pid!, "SIGTERM");
        const timer = setTimeout(() => {
          for (const pid of [master.pid!, ...workers]) {
            try {
              process.kill(pid, "SIGKILL");
            } catch {
              // gone already
            }
          }
        }, 5000);
        await exited;
        clearTimeout(timer);
      }
      temp.remove();
    },
  };
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (!alive() || Date.now() > deadline) {
      const why = `nginx did not start: ${stderr}\n${logTail()}`;
      await self.stop();
      throw new Error(why);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return self;
}
