/**
 * Connectors register with the engine as data: a type name, the remote's name as it appears in
 * direction and conflict values (`smb` → `smb_to_scaidrive`, `SMB_WINS`), and a factory that
 * opens the {@link Remote} for a stored connector. The engine never imports a connector.
 */
import type { ConnectorRecord } from "../store/sync/connector-store.js";
import type { Remote } from "./remote.js";
import type { SyncHooks } from "./sync-hooks.js";

export interface ConnectorType {
  type: string;
  remoteName: string;
  /** How people call the remote ("SMB", "SharePoint"), for the job log; default "the remote". */
  title?: string;
  /**
   * Opens (and authenticates) the remote for `connector`. Throws RemoteError `auth` for rejected
   * credentials and `unreachable` for network failures (the engine retries that with backoff).
   */
  openRemote(connector: ConnectorRecord, signal: AbortSignal): Promise<Remote>;
  /** Per-run hooks (ACL translation, version import...). */
  hooks?(connector: ConnectorRecord): SyncHooks | Promise<SyncHooks>;
}

export class ConnectorTypeRegistry {
  private readonly types = new Map<string, ConnectorType>();

  register(t: ConnectorType): void {
    if (this.types.has(t.type)) throw new Error(`connector type ${t.type} is already registered`);
    this.types.set(t.type, t);
  }

  get(type: string): ConnectorType | undefined {
    return this.types.get(type);
  }
}
