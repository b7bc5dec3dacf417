/**
 * What benches read about a process from /proc, and the machine's load: the server's memory (RSS,
 * peak RSS and resetting that peak), its CPU time, the load average printed beside figures taken
 * on a shared machine. A process that has exited reads as 0.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

/** A field of /proc/<pid>/status in bytes: VmRSS (now) or VmHWM (peak since start or reset). */
export function statusBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resets the kernel's peak-RSS mark of `pid`, so VmHWM measures from now. */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

/** CPU seconds (user + system) `pid` has used so far. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name; utime and stime are fields 14 and 15 of the whole line.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by every process whose command name is `comm` (e.g. all of PostgreSQL's backends): what a
 * database server spends for the process under test, which the machine-wide figure mixes with other work.
 * Processes that exited before the second reading drop out of it, so read around a section with steady connections.
 */
export function commandCpuSeconds(comm: string): number {
  let total = 0;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) !== comm) continue;
      total += cpuSeconds(Number(name));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return total;
}

/** The 1, 5 and 15 minute load averages, for figures measured while other work ran. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}
