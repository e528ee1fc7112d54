import { entryToJson } from "@reflex/codec";
import type { EntryHandle } from "@reflex/core";
import { type ArgsSpec, parseCommandArgs } from "../args.ts";
import { type Command, helpText, printJson, printLine } from "../command.ts";
import { ExitCode } from "../exit-codes.ts";
import { formatBytes, formatCount, formatFields } from "../format.ts";
import { openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "get",
  synopsis: "reflex get <tenant> <id> [--json | --payload]",
  options: { json: { type: "boolean" }, payload: { type: "boolean" } },
  positionals: ["tenant", "id"],
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

/** `reflex get`: an entry as a summary, as JSON, or its raw payload. */
export const getCommand: Command = {
  name: "get",
  summary: "show an entry, print it as JSON, or write its raw payload",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Loads and verifies an entry. By default prints a summary; --json prints every field;\n" +
      "--payload writes the payload bytes to stdout exactly as stored and nothing else\n" +
      "(`reflex get 1 42 --payload > out.bin`).",
    options: [
      ["--json", "print the entry as JSON"],
      ["--payload", "write the raw payload to stdout"],
    ],
    json:
      '  {"entryId":"42","tenantId":"1","contextHash":"7","timestamp":"1700000000",\n' +
      '   "embedding":"<base64>","payloadBlob":"<base64>"}\n' +
      "  64-bit integers are decimal strings and bytes are base64 (the protobuf JSON mapping).",
    exit: "0 found, 1 not found, 2 usage error, 3 storage error (a corrupt entry included)",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    parsed.exclusive("json", "payload");
    const { tenantId, entryId } = parsed.entryAddress();
    const store = await openCommandStore(parsed);
    const handle = await store.load(entryId, tenantId);
    try {
      if (parsed.flag("payload")) {
        if (handle.payloadBlob.byteLength > 0) await io.stdout.write(handle.payloadBlob);
      } else if (parsed.flag("json")) {
        await printJson(io, { entryId: handle.entryId.toString(), ...entryToJson(handle) });
      } else {
        await printLine(io, summary(handle));
      }
    } finally {
      handle.release();
    }
    return ExitCode.ok;
  },
};
