// whenReplicaLost: "refuse" (the scenario and the checks both choices share: replica-lost-test.ts).
import { expect } from "bun:test";
import { replicaLostTest } from "./replica-lost-test.ts";

replicaLostTest("refuse", (report, store) => {
  // Refused while the shard had no replica; never accepted on the master alone.
  expect(report.counts.degraded).toBeGreaterThan(0);
  expect(report.counts["master-only"]).toBe(0);
  expect(store.replicaStats().masterOnlyWrites).toBe(0);
});
