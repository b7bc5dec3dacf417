/**
 * Opens a remote but gives up as soon as `signal` aborts: connectors may take a connect timeout
 * (30 s for SMB) to notice a cancel, and a cancelled job must end now. A remote that opens after
 * the abort is closed once it arrives, so nothing leaks. @throws the open's error, or an
 * AbortError once aborted.
 */
export function openUnlessAborted<T extends { close(): Promise<void> }>(
  open: () => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError());
  const opening = open();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(abortError());
      void opening.then(
        (late) => late.close().catch(() => undefined),
        () => undefined,
      );
    };
    signal.addEventListener("abort", onAbort, { once: true });
    opening.then(
      (remote) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) return;
        resolve(remote);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

function abortError(): Error {
  const e = new Error("the job was cancelled while the remote was being opened");
  e.name = "AbortError";
  return e;
}
