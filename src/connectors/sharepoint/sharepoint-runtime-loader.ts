/** Loads sharepoint-runtime.ts (MSAL, the Graph SDK) once, on first use. */
type SharePointRuntimeModule = typeof import("./sharepoint-runtime.js");

let loading: Promise<SharePointRuntimeModule> | undefined;

export function loadSharePointRuntime(): Promise<SharePointRuntimeModule> {
  loading ??= import("./sharepoint-runtime.js");
  return loading;
}
