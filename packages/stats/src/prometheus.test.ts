import { describe, expect, test } from "bun:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { LATENCY_BUCKETS_SECONDS } from "./exposition.ts";
import { OperationMetrics } from "./operation-metrics.ts";
import { renderPrometheus } from "./prometheus.ts";

interface ParsedFamily {
  name: string;
  type: string;
  help: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

function parse(text: string): Map<string, ParsedFamily> {
  const families = parsePrometheusTextFormat(text) as ParsedFamily[];
  return new Map(families.map((family) => [family.name, family]));
}

function populated(): OperationMetrics {
  const metrics = new OperationMetrics();
  for (let i = 1; i <= 1000; i++) metrics.record("load", i * 1_000, null, 4096);
  metrics.record("load", 500, "not_found", 0);
  metrics.record("store", 3_000_000, null, 5_000);
  metrics.record("store", 1_000, "io", 0);
  return metrics;
}

describe("renderPrometheus", () => {
  test("parses as valid Prometheus text with the documented families, types and values", () => {
    const text = renderPrometheus(populated(), {
      tenantCount: 2,
      entryCount: 3,
      totalBytes: 12_345,
      perTenant: [
        { tenantId: 1n, entryCount: 2, totalBytes: 10_000 },
        { tenantId: 18446744073709551615n, entryCount: 1, totalBytes: 2_345 },
      ],
    });
    const families = parse(text);
    expect(families.get("reflex_store_operations_total")?.type).toBe("COUNTER");
    const operations = families.get("reflex_store_operations_total")?.metrics ?? [];
    const find = (op: string, code: string) =>
      operations.find((m) => m.labels?.op === op && m.labels?.code === code)?.value;
    expect(find("load", "ok")).toBe("1000");
    expect(find("load", "not_found")).toBe("1");
    expect(find("store", "ok")).toBe("1");
    expect(find("store", "io")).toBe("1");

    expect(families.get("reflex_store_operation_duration_seconds")?.type).toBe("HISTOGRAM");
    const sample = (line: string) => {
      const match = text.split("\n").find((l) => l.startsWith(`${line} `));
      return match === undefined ? undefined : Number(match.slice(line.length + 1));
    };
    const bucket = (op: string, le: string) =>
      sample(`reflex_store_operation_duration_seconds_bucket{op="${op}",le="${le}"}`);
    expect(sample('reflex_store_operation_duration_seconds_count{op="load"}')).toBe(1001);
    // load: one at 0.5 us, then 1 us, 2 us, ... 1 ms.
    expect(bucket("load", "0.000001")).toBe(2);
    // 250 us is inside a recorder bucket: counts are to its precision (values < 1/64 above may count).
    expect(bucket("load", "0.00025")).toBeGreaterThanOrEqual(251);
    expect(bucket("load", "0.00025")).toBeLessThanOrEqual(251 + Math.floor(250 / 64));
    expect(bucket("load", "0.001")).toBe(1001);
    expect(bucket("load", "+Inf")).toBe(1001);
    expect(bucket("store", "0.0025")).toBe(1);
    expect(bucket("store", "0.005")).toBe(2);
    expect(sample('reflex_store_operation_duration_seconds_sum{op="store"}')).toBeCloseTo(3.001e-3, 9);
    expect(families.get("reflex_store_entries")?.type).toBe("GAUGE");
    expect(families.get("reflex_store_entries")?.metrics[0]?.value).toBe("3");
    expect(families.get("reflex_store_bytes")?.metrics[0]?.value).toBe("12345");
    expect(families.get("reflex_store_tenants")?.metrics[0]?.value).toBe("2");
    const tenantEntries = families.get("reflex_store_tenant_entries")?.metrics ?? [];
    expect(tenantEntries.map((m) => [m.labels?.tenant, m.value])).toEqual([
      ["1", "2"],
      ["18446744073709551615", "1"],
    ]);
    const bytes = families.get("reflex_store_operation_bytes_total")?.metrics ?? [];
    expect(bytes.find((m) => m.labels?.op === "load")?.value).toBe(String(4096 * 1000));
  });

  test("histogram buckets are cumulative, one per bound and +Inf, in every series", () => {
    const text = renderPrometheus(populated());
    for (const op of ["load", "store"]) {
      const buckets = text
        .split("\n")
        .filter((line) => line.startsWith(`reflex_store_operation_duration_seconds_bucket{op="${op}",`));
      expect(buckets.map((line) => /le="([^"]+)"/.exec(line)?.[1])).toEqual([
        ...LATENCY_BUCKETS_SECONDS.map(String),
        "+Inf",
      ]);
      const counts = buckets.map((line) => Number(line.split(" ")[1]));
      for (let i = 1; i < counts.length; i++)
        expect(counts[i] as number).toBeGreaterThanOrEqual(counts[i - 1] as number);
    }
  });

  test("every sample line follows the text format grammar", () => {
    const text = renderPrometheus(populated(), { tenantCount: 0, entryCount: 0, totalBytes: 0 });
    expect(text.endsWith("\n")).toBe(true);
    for (const line of text.trimEnd().split("\n")) {
      expect(line).toMatch(
        /^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eEInfNa]+)$/,
      );
    }
  });

  test("drops per-tenant series past the label cardinality bound", () => {
    const perTenant = Array.from({ length: 5 }, (_, i) => ({ tenantId: BigInt(i), entryCount: 1, totalBytes: 1 }));
    const storage = { tenantCount: 5, entryCount: 5, totalBytes: 5, perTenant };
    const render = (maxTenantLabels: number) => renderPrometheus(undefined, storage, { maxTenantLabels });
    expect(parse(render(4)).has("reflex_store_tenant_entries")).toBe(false);
    expect(parse(render(5)).has("reflex_store_tenant_entries")).toBe(true);
  });

  test("escapes label values", () => {
    const metrics = new OperationMetrics();
    metrics.record('we"ird\\op\n', 1_000, null, 0);
    const families = parse(renderPrometheus(metrics));
    const sample = families.get("reflex_store_operations_total")?.metrics[0];
    expect(sample?.labels?.op).toBe('we"ird\\op\n');
  });
});

describe("retention counters", () => {
  test("expirations and evictions by reason parse as counters", () => {
    const metrics = new OperationMetrics();
    metrics.retention("expired", "ttl");
    metrics.retention("expired", "ttl");
    metrics.retention("evicted", "tenant_entries");
    const families = parse(renderPrometheus(metrics));
    expect(families.get("reflex_store_expirations_total")?.type).toBe("COUNTER");
    expect(families.get("reflex_store_expirations_total")?.metrics[0]?.value).toBe("2");
    const evictions = families.get("reflex_store_evictions_total")?.metrics ?? [];
    expect(evictions.map((m) => [m.labels?.reason, m.value])).toEqual([
      ["tenant_entries", "1"],
      ["tenant_bytes", "0"],
      ["root_entries", "0"],
      ["root_bytes", "0"],
    ]);
  });
});
