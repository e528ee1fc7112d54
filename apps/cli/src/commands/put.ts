import { readFileSync } from "node:fs";
import { parseTtlSeconds } from "@reflex/codec";
import { errnoOf, type RetentionOptions } from "@reflex/core";
import { loadConfig } from "@reflex/server";
import { type ArgsSpec, parseCommandArgs, parseSigned } from "../args.ts";
import { type Command, helpText, printJson, printLine } from "../command.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";
import { formatBytes } from "../format.ts";
import { type Io, readAll } from "../io.ts";
import { closeFileStoreNow, openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "put",
  synopsis:
    "reflex put <tenant> <id> [--payload FILE|-] [--embedding FILE|-] [--context-hash N] [--timestamp N] [--ttl S] [--json]",
  options: {
    payload: { type: "string" },
    embedding: { type: "string" },
    "context-hash": { type: "string" },
    timestamp: { type: "string" },
    ttl: { type: "string" },
    json: { type: "boolean" },
  },
  positionals: ["tenant", "id"],
};

async function readSource(io: Io, source: string | undefined, option: string): Promise<Uint8Array> {
  if (source === undefined) return new Uint8Array(0);
  if (source === "-") return readAll(io.stdin);
  try {
    return readFileSync(source);
  } catch (error) {
    throw new UsageError(`put: cannot read ${option} file ${JSON.stringify(source)}: ${errnoOf(error) ?? error}`);
  }
}

/** The variables of the server that `reflex put` honours, as the server reads them. */
const PUT_ENV = [
  "REFLEX_DEFAULT_TTL",
  "REFLEX_MAX_ENTRY_BYTES",
  "REFLEX_MAX_BYTES",
  "REFLEX_MAX_ENTRIES",
  "REFLEX_TENANT_MAX_BYTES",
  "REFLEX_TENANT_MAX_ENTRIES",
] as const;

/**
 * The retention and entry bound of a put from the server's variables (one grammar: the
 * server's own parser); a bad value is a usage error naming it.
 */
function putBounds(env: Readonly<Record<string, string | undefined>>): {
  retention: RetentionOptions;
  maxEntryBytes: number | undefined;
} {
  const own: Record<string, string | undefined> = {};
  for (const name of PUT_ENV) own[name] = env[name];
  try {
    const config = loadConfig([], own);
    return { retention: config.retention, maxEntryBytes: config.maxEntryBytes };
  } catch (error) {
    throw new UsageError(`put: ${(error as Error).message}`);
  }
}

/** `reflex put`: stores an entry from files or stdin, durably (fsync). */
export const putCommand: Command = {
  name: "put",
  summary: "store an entry (payload and embedding from files or stdin)",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Stores an entry under <id> in <tenant>, replacing any entry with that id, and returns once it is\n" +
      "durable (fsync). The payload and the embedding (little-endian f16) are read byte for byte from\n" +
      "files, or from stdin with `-` (for one of them).\n" +
      "Like the server it takes REFLEX_DEFAULT_TTL (without --ttl) and the bounds REFLEX_MAX_ENTRY_BYTES,\n" +
      "REFLEX_MAX_BYTES, REFLEX_TENANT_MAX_BYTES, REFLEX_MAX_ENTRIES, REFLEX_TENANT_MAX_ENTRIES: an entry\n" +
      "over a byte bound is refused (exit 2) before anything is written; with a bound set, put first\n" +
      "reads every entry's header and then evicts least recently used entries to fit, as the server does.",
    options: [
      ["--payload FILE|-", "payload bytes (default: empty)"],
      ["--embedding FILE|-", "embedding bytes (default: empty)"],
      ["--context-hash N", "u64 hash of the conversation context (default: 0)"],
      ["--timestamp N", "i64 unix seconds (default: now)"],
      ["--ttl S", "time to live in seconds; the entry is gone after it (default: $REFLEX_DEFAULT_TTL, else never)"],
      ["--json", "print the result as JSON"],
    ],
    json:
      '  {"tenantId":"1","entryId":"42","created":true,"fileBytes":1234}\n' +
      "  created: false when an entry was replaced; fileBytes: size of the entry file;\n" +
      '  "durability":"master-only" only when a Redis Cluster shard with no online replica stored it on\n' +
      "  its master alone (--redis-when-replica-lost accept; lost if that master dies before a new replica syncs)",
    exit: "0 stored, 2 usage error (bad id, unreadable input file, entry over a bound), 3 storage error",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    const { tenantId, entryId } = parsed.entryAddress();
    const contextHash = parsed.idOption("context-hash") ?? 0n;
    const timestampText = parsed.option("timestamp");
    const timestamp =
      timestampText === undefined ? BigInt(Math.floor(Date.now() / 1000)) : parseSigned(timestampText, "--timestamp");
    const payloadSource = parsed.option("payload");
    const embeddingSource = parsed.option("embedding");
    if (payloadSource === "-" && embeddingSource === "-") {
      throw new UsageError("put: stdin can feed --payload or --embedding, not both");
    }
    const ttlText = parsed.option("ttl");
    const ttlSeconds = ttlText === undefined ? undefined : parseTtlSeconds(ttlText, "put: --ttl");
    const payloadBlob = await readSource(io, payloadSource, "--payload");
    const embedding = await readSource(io, embeddingSource, "--embedding");
    const { retention, maxEntryBytes } = putBounds(io.env);
    const bounded = Object.keys(retention).some((name) => name !== "defaultTtlSeconds");
    const store = await openCommandStore(parsed, {
      write: "put",
      create: true,
      sweep: true,
      retention: { ...retention, reclaimIntervalMs: 0, persistAccessIntervalMs: 0 },
      ...(maxEntryBytes === undefined ? {} : { maxEntryBytes }),
    });
    if (bounded && "retentionReady" in store) await (store as { retentionReady(): Promise<void> }).retentionReady();
    const handle = await store.store(
      entryId,
      { tenantId, contextHash, timestamp, embedding, payloadBlob },
      ttlSeconds === undefined ? {} : { ttlSeconds },
    );
    const { created, fileBytes, weakerDurability } = handle;
    handle.release();
    closeFileStoreNow(store);
    if (parsed.flag("json")) {
      const weaker = weakerDurability === undefined ? {} : { durability: weakerDurability };
      await printJson(io, { tenantId, entryId, created, fileBytes, ...weaker });
    } else {
      await printLine(
        io,
        `${created ? "created" : "replaced"} tenant ${tenantId} entry ${entryId}: ` +
          `payload ${formatBytes(payloadBlob.byteLength)}, embedding ${formatBytes(embedding.byteLength)}, ` +
          `file ${formatBytes(fileBytes)}` +
          (weakerDurability === "master-only" ? " (master only: its shard has no online replica)" : ""),
      );
    }
    return ExitCode.ok;
  },
};
