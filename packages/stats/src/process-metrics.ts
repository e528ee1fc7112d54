import { readdirSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Exposition } from "./exposition.ts";

/**
 * Figures of this process for `/metrics`, under the usual client-library names:
 * `process_cpu_seconds_total`, `process_resident_memory_bytes`, `process_open_fds`
 * (Linux: entries of /proc/self/fd), `process_start_time_seconds`, and the event-loop
 * lag since the previous scrape as `reflex_event_loop_lag_seconds` (mean) and
 * `reflex_event_loop_lag_max_seconds`, sampled every 10 ms by `monitorEventLoopDelay`.
 *
 * @example
 * const processMetrics = new ProcessMetrics();
 * processMetrics.render(); // Prometheus text
 * processMetrics.stop();
 */
export class ProcessMetrics {
  readonly #lag = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.#lag.enable();
  }

  /** The families in the Prometheus text format (into `out` when given); resets the lag window. */
  render(out = new Exposition()): string {
    const cpu = process.cpuUsage();
    out.family("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.");
    out.sample("process_cpu_seconds_total", {}, (cpu.user + cpu.system) / 1e6);
    out.family("process_resident_memory_bytes", "gauge", "Resident set size, in bytes.");
    out.sample("process_resident_memory_bytes", {}, process.memoryUsage.rss());
    const fds = openFds();
    if (fds !== undefined) {
      out.family("process_open_fds", "gauge", "Open file descriptors.");
      out.sample("process_open_fds", {}, fds);
    }
    out.family("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.");
    out.sample("process_start_time_seconds", {}, Math.floor(performance.timeOrigin / 1000));
    const lag = this.#lag;
    const seen = lag.count > 0;
    out.family(
      "reflex_event_loop_lag_seconds",
      "gauge",
      "Mean event-loop delay since the previous scrape, in seconds.",
    );
    out.sample("reflex_event_loop_lag_seconds", {}, seen ? lag.mean / 1e9 : 0);
    out.family(
      "reflex_event_loop_lag_max_seconds",
      "gauge",
      "Largest event-loop delay since the previous scrape, in seconds.",
    );
    out.sample("reflex_event_loop_lag_max_seconds", {}, seen ? lag.max / 1e9 : 0);
    lag.reset();
    return out.text();
  }

  /** Stops sampling the event loop. */
  stop(): void {
    this.#lag.disable();
  }
}

/** Open descriptors of this process (the listing's own descriptor left out); undefined off Linux. */
function openFds(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length - 1;
  } catch {
    return undefined;
  }
}
