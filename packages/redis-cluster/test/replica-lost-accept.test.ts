// whenReplicaLost: "accept" (the scenario and the checks both choices share: replica-lost-test.ts).
import { expect } from "bun:test";
import { replicaLostTest } from "./replica-lost-test.ts";

replicaLostTest("accept", (report, store) => {
  // Accepted on the master alone, said so, only on the killed master's slots; never refused for it.
  expect(report.counts["master-only"]).toBeGreaterThan(0);
  expect(report.masterOnlyElsewhere).toBe(0);
  expect(report.counts.degraded).toBe(0);
  expect(store.replicaStats().refusedWrites).toBe(0);
});
