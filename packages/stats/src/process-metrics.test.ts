import { describe, expect, test } from "bun:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { ProcessMetrics } from "./process-metrics.ts";

describe("ProcessMetrics", () => {
  test("reports CPU, RSS, open fds, start time and event-loop lag of this process", async () => {
    const metrics = new ProcessMetrics();
    try {
      await Bun.sleep(30);
      const busyUntil = performance.now() + 60;
      while (performance.now() < busyUntil) {} // blocks the loop: a lag of ~60 ms
      await Bun.sleep(30);
      const families = parsePrometheusTextFormat(metrics.render()) as {
        name: string;
        type: string;
        metrics: { value: string }[];
      }[];
      const value = (name: string) => Number(families.find((f) => f.name === name)?.metrics[0]?.value);
      expect(families.find((f) => f.name === "process_cpu_seconds_total")?.type).toBe("COUNTER");
      expect(value("process_cpu_seconds_total")).toBeGreaterThan(0.05);
      expect(value("process_resident_memory_bytes")).toBeGreaterThan(1 << 20);
      expect(value("process_open_fds")).toBeGreaterThan(2);
      // Wall clock at start against wall clock now minus the monotonic uptime: a VM's clock may be
      // stepped in between (10.5 s once in CI), while a unit mistake (ms, jiffies) is off by far more.
      expect(Math.abs(value("process_start_time_seconds") - (Date.now() / 1000 - process.uptime()))).toBeLessThan(60);
      expect(value("reflex_event_loop_lag_max_seconds")).toBeGreaterThan(0.04);
      // The lag window restarts at each render.
      const again = parsePrometheusTextFormat(metrics.render()) as { name: string; metrics: { value: string }[] }[];
      const max = Number(again.find((f) => f.name === "reflex_event_loop_lag_max_seconds")?.metrics[0]?.value);
      expect(max).toBeLessThan(0.04);
    } finally {
      metrics.stop();
    }
  });
});
