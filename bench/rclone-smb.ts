/**
 * rclone as the peer of SMB benches: the environment that defines a remote `benchsmb:` for a
 * throwaway Samba instance (no config file written; the password obscured as rclone requires).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { SambaInstance } from "../test/harness/samba.js";

export async function rcloneSmbEnv(samba: SambaInstance, workDir: string): Promise<NodeJS.ProcessEnv> {
  const obscured = await new Promise<string>((resolve, reject) => {
    const c = spawn("rclone", ["obscure", samba.password], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    c.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    c.once("error", reject);
    c.once("close", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error("rclone obscure failed"))));
  });
  return {
    ...process.env,
    RCLONE_CONFIG: join(workDir, "rclone.conf"),
    RCLONE_CONFIG_BENCHSMB_TYPE: "smb",
    RCLONE_CONFIG_BENCHSMB_HOST: samba.host,
    RCLONE_CONFIG_BENCHSMB_PORT: String(samba.port),
    RCLONE_CONFIG_BENCHSMB_USER: samba.username,
    RCLONE_CONFIG_BENCHSMB_PASS: obscured,
    RCLONE_CONFIG_BENCHSMB_DOMAIN: samba.domain,
  };
}
