/**
 * A ScaiDrive share and an SMB connector syncing a folder of the bench's Samba share into it, for
 * benches that time syncs. Returns the connector's id.
 */
import type { SambaInstance } from "../test/harness/samba.js";
import type { ScaidriveProcess } from "../test/harness/scaidrive-process.js";

export const SMB_CONNECTORS = "/api/v1/smb-connectors";

export async function createSmbConnector(
  server: ScaidriveProcess,
  samba: SambaInstance,
  o: { name: string; basePath: string; targetPath?: string; fields?: Record<string, unknown> },
): Promise<string> {
  const shareId = (await server.api("POST", "/api/v1/shares", { json: { name: o.name } })).body.id as string;
  const c = await server.api("POST", SMB_CONNECTORS, {
    json: {
      name: o.name,
      server_host: samba.host,
      server_port: samba.port,
      share_name: "share",
      base_path: o.basePath,
      domain: samba.domain,
      username: samba.username,
      password: samba.password,
      target_share_id: shareId,
      target_path: o.targetPath ?? "/",
      ...o.fields,
    },
  });
  if (c.status !== 201) throw new Error(`connector: ${c.status} ${JSON.stringify(c.body)}`);
  return c.body.id as string;
}
