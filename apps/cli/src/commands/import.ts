import { CodecError, decodeDumpStream, isCodecError, isCorruptionCode } from "@reflex/codec";
import { isStoreError, StoreError } from "@reflex/core";
import { type ArgsSpec, parseCommandArgs } from "../args.ts";
import { type Command, helpText, printJson, printLine } from "../command.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";
import { formatBytes, formatCount } from "../format.ts";
import { progressEnvironment } from "../io.ts";
import { createProgress } from "../progress-bar.ts";
import { openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "import",
  synopsis: "reflex import [--json] < dump",
  options: { json: { type: "boolean" } },
  positionals: [],
};

/** Stores in flight at once: the fsyncs of concurrent writes overlap. */
const WRITES_IN_FLIGHT = 16;

/** What `reflex import` wrote. */
export interface ImportReport {
  /** Records read and stored. */
  readonly imported: number;
  /** Of those, entries that did not exist before. */
  readonly created: number;
  /** Of those, entries that replaced one with the same id. */
  readonly replaced: number;
  /** Records not stored: their expiry (kept in the dump) had passed. */
  readonly expired: number;
  /** Distinct tenants written to. */
  readonly tenantCount: number;
  /** Bytes of dump read. */
  readonly bytesRead: number;
}

/** The same error with `note` appended to its message: what was done before it struck. */
function withNote(error: unknown, note: string): unknown {
  if (isCodecError(error)) return new CodecError(error.code, `${error.message} (${note})`, { cause: error });
  if (isStoreError(error)) {
    return new StoreError(error.code, `${error.message} (${note})`, {
      cause: error,
      errno: error.errno,
      reason: error.reason,
    });
  }
  return error;
}

/**
 * The time to live that gives an entry its dumped expiry again: 0 (never) for none, null once
 * it has passed. The store counts it from its own clock reading, as ceil(now) + ttl whole
 * seconds, so the expiry lands on `expiresAt`, or one second later when a second boundary
 * passes in between; an entry in its last second gets 1 s.
 */
function ttlOf(expiresAt: bigint): number | null {
  if (expiresAt === 0n) return 0;
  const now = Date.now() / 1000;
  if (expiresAt <= BigInt(Math.floor(now))) return null; // a load would refuse it already
  const ttl = expiresAt - BigInt(Math.ceil(now));
  return ttl < 1n ? 1 : ttl > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(ttl);
}

/** `reflex import`: reads a dump from stdin, streaming, and stores every record. */
export const importCommand: Command = {
  name: "import",
  summary: "read a dump from stdin and store every entry in it",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Reads a dump written by `reflex export` from stdin, one record at a time (a dump larger\n" +
      "than memory is fine), and stores every entry durably, replacing entries with the same id;\n" +
      "a later record for the same id wins. An entry keeps the expiry it had (to the second, or\n" +
      "one later); one without never expires; one whose expiry has passed is not stored\n" +
      "(counted as expired). Prints what it wrote.\n" +
      "A damaged or truncated dump stops the import (exit 2); the records before the damage\n" +
      "stay imported. Shows progress on a terminal when stdin is a file.",
    options: [["--json", "print the report as JSON"]],
    json:
      '  {"imported":3,"created":3,"replaced":0,"expired":0,"tenantCount":2,"bytesRead":4096}\n' +
      "  created + replaced = imported; expired records are not stored",
    exit: "0 ok, 2 usage error or damaged dump, 3 storage error",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    if (io.stdin.isTTY) throw new UsageError("import: reads a dump from stdin; redirect it from a file or a pipe");
    const store = await openCommandStore(parsed, { write: "import", create: true, sweep: true });
    const total = io.stdin.size();
    const progress = createProgress(progressEnvironment(io), {
      label: "importing",
      unit: "bytes",
      ...(total === undefined ? {} : { total }),
    });
    let bytesRead = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of io.stdin.stream()) {
        bytesRead += chunk.byteLength;
        yield chunk;
      }
    }
    let imported = 0;
    let created = 0;
    let expired = 0;
    const tenants = new Set<bigint>();
    // Writes of different ids overlap; a record waits for an earlier one of the same id,
    // so the last record of an id wins as it would in order.
    const inFlight = new Map<string, Promise<void>>();
    let failure: { error: unknown } | undefined;
    try {
      for await (const { entryId, entry, expiresAt } of decodeDumpStream(counted())) {
        const key = `${entry.tenantId}/${entryId}`;
        await inFlight.get(key);
        while (inFlight.size >= WRITES_IN_FLIGHT && failure === undefined) await Promise.race(inFlight.values());
        if (failure !== undefined) break;
        const ttlSeconds = ttlOf(expiresAt);
        if (ttlSeconds === null) {
          expired++;
          continue;
        }
        // store() encodes the entry before it first yields: the record's bytes are not kept.
        const write: Promise<void> = store.store(entryId, entry, { ttlSeconds }).then(
          (handle) => {
            imported++;
            if (handle.created) created++;
            tenants.add(entry.tenantId);
            handle.release();
            progress.update(bytesRead, undefined, `${formatCount(imported)} entries`);
          },
          (error: unknown) => {
            failure ??= { error };
          },
        );
        const settled = write.finally(() => {
          if (inFlight.get(key) === settled) inFlight.delete(key);
        });
        inFlight.set(key, settled);
      }
    } catch (error) {
      failure ??= { error };
    } finally {
      await Promise.all(inFlight.values());
      progress.finish();
    }
    if (failure !== undefined) {
      const count = `${formatCount(imported)} ${imported === 1 ? "entry was" : "entries were"} imported`;
      const error = failure.error;
      if (isCodecError(error) && !isCorruptionCode(error.code)) {
        // Every record before the damage was stored (the writes in flight were awaited).
        throw new CodecError(error.code, `import: damaged or truncated dump: ${error.message} (${count} before it)`, {
          cause: error,
        });
      }
      // A failed write: the writes in flight beside it may have landed too, so no "before".
      throw withNote(error, count);
    }
    const report: ImportReport = {
      imported,
      created,
      replaced: imported - created,
      expired,
      tenantCount: tenants.size,
      bytesRead,
    };
    if (parsed.flag("json")) {
      await printJson(io, report);
    } else {
      await printLine(
        io,
        `imported ${formatCount(imported)} ${imported === 1 ? "entry" : "entries"} into ` +
          `${formatCount(report.tenantCount)} ${report.tenantCount === 1 ? "tenant" : "tenants"} ` +
          `(${formatCount(created)} new, ${formatCount(report.replaced)} replaced) from ${formatBytes(bytesRead)} of dump` +
          (expired === 0 ? "" : `; ${formatCount(expired)} expired, not stored`),
      );
    }
    return ExitCode.ok;
  },
};
