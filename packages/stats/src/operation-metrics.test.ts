import { describe, expect, test } from "bun:test";
import { OperationMetrics } from "./operation-metrics.ts";

describe("OperationMetrics", () => {
  test("counts operations, errors by code and bytes per operation", () => {
    const metrics = new OperationMetrics();
    metrics.record("load", 4_000, null, 4096);
    metrics.record("load", 6_000, null, 4096);
    metrics.record("load", 1_000, "not_found", 0);
    metrics.record("store", 2_000_000, null, 5000);
    metrics.record("store", 1_000, "io", 0);
    metrics.record("store", 1_000, "io", 0);
    const snapshot = metrics.snapshot();
    expect(Object.keys(snapshot)).toEqual(["load", "store"]);
    expect(snapshot.load?.count).toBe(3);
    expect(snapshot.load?.errors).toEqual({ not_found: 1 });
    expect(snapshot.load?.bytes).toBe(8192);
    expect(snapshot.store?.errors).toEqual({ io: 2 });
    expect(snapshot.store?.latencySeconds.max).toBeCloseTo(0.002, 9);
    expect(snapshot.load?.latencySeconds.p50).toBeCloseTo(4e-6, 7);
    expect(snapshot.load?.latencySeconds.sum).toBeCloseTo(11e-6, 12);
    expect(snapshot.load?.latencySeconds.mean).toBeCloseTo(11e-6 / 3, 12);
  });

  test("the snapshot is a JSON-safe copy", () => {
    const metrics = new OperationMetrics();
    metrics.record("delete", 10_000, null, 0);
    const snapshot = metrics.snapshot();
    metrics.record("delete", 10_000, null, 0);
    expect(snapshot.delete?.count).toBe(1);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(metrics.histogram("delete")?.count).toBe(2);
    metrics.reset();
    expect(metrics.snapshot()).toEqual({});
  });
});
