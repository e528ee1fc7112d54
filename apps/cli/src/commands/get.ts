import { entryToJson } from "@reflex/codec";
import type { EntryHandle } from "@reflex/core";
import { type ArgsSpec, type CommandArgs, parseCommandArgs } from "../args.ts";
import { type Command, helpText, printJson, printLine } from "../command.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";
import { formatBytes, formatCount, formatFields } from "../format.ts";
import type { Io } from "../io.ts";
import { openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "get",
  synopsis: "reflex get <tenant> <id> [<id>...] [--json | --payload]",
  options: { json: { type: "boolean" }, payload: { type: "boolean" } },
  positionals: ["tenant", "id"],
  variadic: true,
};

const MAX_PREVIEW_CHARS = 60;
// Control characters other than tab, newline and carriage return: the payload is binary.
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point.
const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A short quoted preview of a payload that is UTF-8 text, or undefined for binary. */
export function payloadPreview(payload: Uint8Array): string | undefined {
  if (payload.byteLength === 0) return undefined;
  let text: string;
  try {
    // stream: a multi-byte character cut at the end of the slice is not an error.
    text = new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(0, MAX_PREVIEW_CHARS * 4), {
      stream: true,
    });
  } catch {
    return undefined;
  }
  if (BINARY.test(text)) return undefined;
  const chars = [...text];
  const cut = chars.length > MAX_PREVIEW_CHARS || payload.byteLength > MAX_PREVIEW_CHARS * 4;
  return `${JSON.stringify(chars.slice(0, MAX_PREVIEW_CHARS).join(""))}${cut ? " ..." : ""}`;
}

function describeTimestamp(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return seconds.toString();
  return `${seconds} (${new Date(ms).toISOString().replace(".000Z", "Z")})`;
}

function summary(handle: EntryHandle): string {
  const embedding = handle.embedding.byteLength;
  const payload = handle.payloadBlob.byteLength;
  const fields: [string, string][] = [
    ["tenant", handle.tenantId.toString()],
    ["entry", handle.entryId.toString()],
    ["context hash", handle.contextHash.toString()],
    ["timestamp", describeTimestamp(handle.timestamp)],
    ["expires", handle.expiresAt === 0n ? "never" : describeTimestamp(handle.expiresAt)],
    [
      "embedding",
      embedding % 2 === 0 && embedding > 0
        ? `${formatBytes(embedding)} (${formatCount(embedding / 2)} f16 values)`
        : formatBytes(embedding),
    ],
    ["payload", payload < 1024 ? formatBytes(payload) : `${formatBytes(payload)} (${formatCount(payload)} B)`],
  ];
  const preview = payloadPreview(handle.payloadBlob);
  if (preview !== undefined) fields.push(["preview", preview]);
  fields.push(["file", `${formatBytes(handle.fileBytes)}${handle.mapped ? " (mapped)" : ""}`]);
  return formatFields(fields);
}

/**
 * `reflex get <tenant> <id> <id>...`: one batch read (the core's loadMany). Summaries
 * one after another, or with --json one JSON line per entry found; the ids with no
 * entry are named on stderr, and the exit code is 1 if any is missing.
 */
async function getMany(parsed: CommandArgs, tenantId: bigint, ids: bigint[], io: Io): Promise<ExitCode> {
  if (parsed.flag("payload")) throw new UsageError("get: --payload takes one id (payloads have no separator)");
  const store = await openCommandStore(parsed);
  const { entries, missing } = await store.loadMany(tenantId, ids);
  try {
    for (const [i, handle] of entries.entries()) {
      if (parsed.flag("json"))
        await printJson(io, { entryId: handle.entryId.toString(), ...entryToJson(handle, handle.expiresAt) });
      else await printLine(io, `${i === 0 ? "" : "\n"}${summary(handle)}`);
    }
  } finally {
    for (const handle of entries) handle.release();
  }
  if (missing.length === 0) return ExitCode.ok;
  // One line, as every failing command writes: the ids not found, in the order asked for.
  const plural = missing.length === 1 ? "entry" : "entries";
  await io.stderr.write(`reflex: get: ${plural} ${missing.join(", ")} of tenant ${tenantId} not found\n`);
  return ExitCode.notFound;
}

/** `reflex get`: an entry as a summary, as JSON, or its raw payload. */
export const getCommand: Command = {
  name: "get",
  summary: "show an entry, print it as JSON, or write its raw payload",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Loads and verifies an entry. By default prints a summary; --json prints every field;\n" +
      "--payload writes the payload bytes to stdout exactly as stored and nothing else\n" +
      "(`reflex get 1 42 --payload > out.bin`). Several ids are read in one batch: their\n" +
      "summaries in turn, or one JSON line each with --json; missing ids are named in one line\n" +
      "on stderr.",
    options: [
      ["--json", "print the entry as JSON"],
      ["--payload", "write the raw payload to stdout"],
    ],
    json:
      '  {"entryId":"42","tenantId":"1","contextHash":"7","timestamp":"1700000000",\n' +
      '   "embedding":"<base64>","payloadBlob":"<base64>","expiresAt":"0"}\n' +
      "  64-bit integers are decimal strings and bytes are base64 (the protobuf JSON mapping);\n" +
      '  expiresAt is unix seconds, "0" when the entry never expires.',
    exit: "0 found (all of them), 1 not found (any of them), 2 usage error, 3 storage error (a corrupt entry included)",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    parsed.exclusive("json", "payload");
    const { tenantId, entryId } = parsed.entryAddress();
    if (parsed.positionals.length > 2)
      return getMany(parsed, tenantId, [entryId, ...parsed.idsFrom(2, "entry id")], io);
    const store = await openCommandStore(parsed);
    const handle = await store.load(entryId, tenantId);
    try {
      if (parsed.flag("payload")) {
        if (handle.payloadBlob.byteLength > 0) await io.stdout.write(handle.payloadBlob);
      } else if (parsed.flag("json")) {
        await printJson(io, { entryId: handle.entryId.toString(), ...entryToJson(handle, handle.expiresAt) });
      } else {
        await printLine(io, summary(handle));
      }
    } finally {
      handle.release();
    }
    return ExitCode.ok;
  },
};
