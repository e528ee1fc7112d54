import { type EntryStore, NvmeStorage } from "@reflex/core";
import { type ArgsSpec, parseCommandArgs } from "../args.ts";
import { type Command, helpText, printJson, printLine } from "../command.ts";
import { ExitCode } from "../exit-codes.ts";
import { formatBytes, formatCount, formatFields, formatTable } from "../format.ts";
import { progressEnvironment } from "../io.ts";
import { createProgress, type Progress } from "../progress-bar.ts";
import { openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "stats",
  synopsis: "reflex stats [--by-tenant] [--json]",
  options: { json: { type: "boolean" }, "by-tenant": { type: "boolean" } },
  positionals: [],
};

/** Entries and bytes of one tenant. */
export interface TenantFigures {
  readonly tenantId: bigint;
  readonly entryCount: number;
  readonly totalBytes: number;
}

/** What `reflex stats` reports: the core's `StorageStats` plus the same per tenant. */
export interface StatsReport {
  readonly tenantCount: number;
  readonly entryCount: number;
  readonly totalBytes: number;
  readonly tenants: readonly TenantFigures[];
}

/**
 * Scans the store with the core's own scan (every tenant directory, the size of every
 * entry file; junk ignored), per tenant and with progress.
 */
export function scanStats(store: NvmeStorage, progress: Progress): StatsReport {
  const usage = store.rescanStats({ onProgress: ({ done, total }) => progress.update(done, total) });
  progress.finish();
  const tenants = usage.perTenant.map(({ tenantId, entryCount, totalBytes }) => ({ tenantId, entryCount, totalBytes }));
  return { tenantCount: usage.tenantCount, entryCount: usage.entryCount, totalBytes: usage.totalBytes, tenants };
}

/** The counts of a store that is not files (a Redis Cluster): its exact stats, per tenant from its live view. */
async function storeStats(store: EntryStore): Promise<StatsReport> {
  const { tenantCount, entryCount, totalBytes } = await store.stats();
  const tenants = store.liveStats().perTenant.map(({ tenantId, entryCount, totalBytes }) => ({
    tenantId,
    entryCount,
    totalBytes,
  }));
  return { tenantCount, entryCount, totalBytes, tenants };
}

/** `reflex stats`: tenants, entries and bytes, in total and per tenant. */
export const statsCommand: Command = {
  name: "stats",
  summary: "count tenants, entries and bytes (per tenant with --by-tenant)",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Scans the store and counts tenants, entry files and their bytes (headers included), as\n" +
      "the store's own stats do. Shows progress on a terminal.",
    options: [
      ["--by-tenant", "also print a table of entries and bytes per tenant"],
      ["--json", "print the figures as JSON (always per tenant too)"],
    ],
    json:
      '  {"tenantCount":2,"entryCount":3,"totalBytes":4096,\n' +
      '   "tenants":[{"tenantId":"1","entryCount":2,"totalBytes":2048}, ...]}\n' +
      "  tenant ids are decimal strings; counts and bytes are numbers; tenants ascending",
    exit: "0 ok, 2 usage error, 3 storage error",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    const store = await openCommandStore(parsed);
    const progress = createProgress(progressEnvironment(io), { label: "scanning" });
    const report = store instanceof NvmeStorage ? scanStats(store, progress) : await storeStats(store);
    if (parsed.flag("json")) {
      await printJson(io, report);
      return ExitCode.ok;
    }
    let text = formatFields([
      ["tenants", formatCount(report.tenantCount)],
      ["entries", formatCount(report.entryCount)],
      [
        "size",
        report.totalBytes < 1024
          ? formatBytes(report.totalBytes)
          : `${formatBytes(report.totalBytes)} (${formatCount(report.totalBytes)} B)`,
      ],
    ]);
    if (parsed.flag("by-tenant") && report.tenants.length > 0) {
      const rows = [
        ["tenant", "entries", "size"],
        ...report.tenants.map((t) => [t.tenantId.toString(), formatCount(t.entryCount), formatBytes(t.totalBytes)]),
      ];
      text += `\n\n${formatTable(rows, ["left", "right", "right"])}`;
    }
    await printLine(io, text);
    return ExitCode.ok;
  },
};
