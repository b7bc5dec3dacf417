/**
 * Rate and time left of a running job from its live updates: the rate is bytes per second; the time left is the bytes
 * still to move at that rate when the plan has a byte total, else the files left at the recent files-per-second pace
 * (a run of folders and deletes moves no bytes). Both use a sliding window of the last samples, so a slow start or a
 * pause does not skew them for the rest of the run.
 */
import { useState } from "react";
import type { Job } from "../../api/connectors";

export interface Sample {
  at: number;
  files: number;
  bytes: number;
}

export const RATE_WINDOW_MS = 15_000;

export interface JobRate {
  /** Bytes per second over the window, null until two samples span a second. */
  bytesPerSecond: number | null;
  /** Seconds left at the window's pace (bytes, else files), null when unknown. */
  secondsLeft: number | null;
}

/** Rate and ETA from samples oldest first (pure: the hook below keeps the samples). */
export function rateOf(samples: readonly Sample[], filesTotal: number, bytesTotal = 0): JobRate {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last.at - first.at < 1000) return { bytesPerSecond: null, secondsLeft: null };
  const seconds = (last.at - first.at) / 1000;
  const bytesPerSecond = Math.max(0, (last.bytes - first.bytes) / seconds);
  const filesPerSecond = (last.files - first.files) / seconds;
  const bytesLeft = bytesTotal - last.bytes;
  if (bytesTotal > 0 && bytesPerSecond > 0 && bytesLeft >= 0)
    return { bytesPerSecond, secondsLeft: bytesLeft / bytesPerSecond };
  const left = filesTotal - last.files;
  const secondsLeft = filesTotal > 0 && filesPerSecond > 0 && left >= 0 ? left / filesPerSecond : null;
  return { bytesPerSecond, secondsLeft };
}

/**
 * `samples` with `next` added (when the counters moved) and those before the window dropped. The newest sample at or
 * before the window's start stays: it anchors the window, so a burst after a long quiet spell (a slow scan, a stall)
 * still spans the time since that anchor instead of a few hundred milliseconds the rate could not be read from.
 */
export function addSample(samples: readonly Sample[], next: Sample): Sample[] {
  const last = samples[samples.length - 1];
  const out = last && last.files === next.files && last.bytes === next.bytes ? [...samples] : [...samples, next];
  while (out.length > 2 && next.at - out[1]!.at >= RATE_WINDOW_MS) out.shift();
  return out;
}

/**
 * Samples the job's counters each time they change, dated by `updatedAt` (when the jobs data last arrived — a live
 * event or a read), and returns the rate over the window.
 */
export function useJobRate(job: Job, updatedAt: number): JobRate {
  // The pace is timed from when there is something to do (a sync's plan; a push's first file), not across the scan
  // before it. Only that first step restarts the samples: a push's totals keep growing while it runs.
  const run = `${job.id}:${job.files_total > 0}`;
  const key = `${run}:${job.files_done}:${job.bytes_done}`;
  const [seen, setSeen] = useState<{ key: string; run: string; samples: Sample[] }>({
    key: "",
    run,
    samples: [],
  });
  let samples = seen.run === run ? seen.samples : [];
  if (seen.key !== key) {
    // Adjusting state while rendering (React's pattern for state derived from changing props): no extra effect pass.
    samples = addSample(samples, { at: updatedAt, files: job.files_done, bytes: job.bytes_done });
    setSeen({ key, run, samples });
  }
  return rateOf(samples, job.files_total, job.bytes_total ?? 0);
}

/** "about 2 min left", "about 40 s left". */
export function etaLabel(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s < 60) return `about ${s} s left`;
  const m = Math.round(s / 60);
  if (m < 60) return `about ${m} min left`;
  return `about ${Math.floor(m / 60)} h ${m % 60} min left`;
}
