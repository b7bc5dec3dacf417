/**
 * Extension points a connector plugs into the engine without the engine knowing what they do
 * (SMB: ACL and owner translation; SharePoint: version history, list fields). A hook's failure is
 * logged as a warning on the item and never fails the file or the job.
 */
import type { Remote, RemoteEntry } from "./remote.js";
import type { ScaidriveRemote } from "./scaidrive-remote.js";

export interface HookContext {
  remote: Remote;
  /** The ScaiDrive side (when it is a {@link ScaidriveRemote}: setAcl, setOwner, patchMetadata, importVersion). */
  scaidrive: Remote | ScaidriveRemote;
  /** Adds a `warning` entry to the job log (e.g. once per unmapped principal). */
  warn(path: string, message: string): void;
  signal: AbortSignal;
}

export interface SyncHooks {
  /** Once per run, before planning (e.g. load identity mappings). */
  beforeRun?(ctx: HookContext): Promise<void>;
  /** After a remote file or folder was written/created in ScaiDrive (content committed). */
  afterPull?(ctx: HookContext, remoteEntry: RemoteEntry, scaidriveEntry: RemoteEntry): Promise<void>;
  /** After a ScaiDrive file or folder was written/created on the remote. */
  afterPush?(ctx: HookContext, scaidriveEntry: RemoteEntry, remoteEntry: RemoteEntry): Promise<void>;
}
