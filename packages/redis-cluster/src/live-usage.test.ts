import { describe, expect, test } from "bun:test";
import { LiveUsage } from "./live-usage.ts";

describe("LiveUsage", () => {
  test("deltas move the view, a refresh replaces it, tenants come out ascending", () => {
    const usage = new LiveUsage();
    usage.tenant(9n);
    usage.add(2n, 1, 100);
    usage.add(2n, 0, 10);
    expect(usage.snapshot()).toEqual({
      tenantCount: 2,
      entryCount: 1,
      totalBytes: 110,
      perTenant: [
        { tenantId: 2n, entryCount: 1, totalBytes: 110 },
        { tenantId: 9n, entryCount: 0, totalBytes: 0 },
      ],
    });
    usage.replace([{ tenantId: 5n, entryCount: 3, totalBytes: 30 }]);
    expect(usage.snapshot().perTenant).toEqual([{ tenantId: 5n, entryCount: 3, totalBytes: 30 }]);
  });
});
