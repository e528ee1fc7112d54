import { readFileSync } from "node:fs";
import { DEFAULT_SEARCH_OPTIONS, errnoOf, MAX_SEARCH_K } from "@reflex/core";
import { type ArgsSpec, parseCommandArgs, parseCount, parseId } from "../args.ts";
import { type Command, helpText, printJson } from "../command.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";
import { formatTable } from "../format.ts";
import { readAll } from "../io.ts";
import { assertTenantExists, openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "search",
  synopsis: "reflex search <tenant> --embedding FILE|- [--k N] [--min-similarity X] [--exact] [--json]",
  options: {
    embedding: { type: "string" },
    k: { type: "string" },
    "min-similarity": { type: "string" },
    exact: { type: "boolean" },
    json: { type: "boolean" },
  },
  positionals: ["tenant"],
};

function parseSimilarity(text: string): number {
  const value = /^-?(0|[1-9][0-9]*)?(\.[0-9]+)?$/.test(text) && text !== "" && text !== "-" ? Number(text) : Number.NaN;
  if (!(value >= -1 && value <= 1)) {
    throw new UsageError(`search: --min-similarity must be a number from -1 to 1, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** `reflex search`: a tenant's entries nearest to an embedding by cosine similarity. */
export const searchCommand: Command = {
  name: "search",
  summary: "find a tenant's entries nearest to an embedding (cosine over f16)",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Reads a query embedding (little-endian f16 bytes, as `reflex put --embedding` stores them) from\n" +
      "FILE or stdin, and prints the tenant's entries whose embedding has the same dimension and a\n" +
      "cosine similarity of at least --min-similarity, best first (ties: newer timestamp first), one\n" +
      "per line: id, similarity, timestamp, context hash. Reads every entry file of the store first\n" +
      "to build the index (a server keeps it built).",
    options: [
      ["--embedding FILE|-", "the query embedding (required)"],
      ["--k N", `most hits, 1 to ${MAX_SEARCH_K} (default ${DEFAULT_SEARCH_OPTIONS.k})`],
      ["--min-similarity X", `least cosine similarity, -1 to 1 (default ${DEFAULT_SEARCH_OPTIONS.minSimilarity})`],
      ["--exact", "score every stored vector instead of the prefiltered candidates"],
      ["--json", "print the hits as JSON"],
    ],
    json:
      '  {"tenantId":"1","hits":[{"id":"42","similarity":0.97,"timestamp":"1700000000","contextHash":"7"}]}\n' +
      "  hits: best first; empty when nothing reaches the threshold",
    exit: "0 at least one hit, 1 no hit or tenant not found, 2 usage error (bad embedding or option), 3 storage error",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    const tenantId = parseId(parsed.required(0), "tenant");
    const kText = parsed.option("k");
    const k = kText === undefined ? DEFAULT_SEARCH_OPTIONS.k : parseCount(kText, "--k");
    if (k < 1 || k > MAX_SEARCH_K) throw new UsageError(`search: --k must be from 1 to ${MAX_SEARCH_K}, got ${k}`);
    const similarityText = parsed.option("min-similarity");
    const minSimilarity =
      similarityText === undefined ? DEFAULT_SEARCH_OPTIONS.minSimilarity : parseSimilarity(similarityText);
    const source = parsed.option("embedding");
    if (source === undefined) throw new UsageError("search: --embedding FILE|- is required");
    let embedding: Uint8Array;
    if (source === "-") embedding = await readAll(io.stdin);
    else {
      try {
        embedding = readFileSync(source);
      } catch (error) {
        throw new UsageError(
          `search: cannot read --embedding file ${JSON.stringify(source)}: ${errnoOf(error) ?? error}`,
        );
      }
    }
    const store = await openCommandStore(parsed);
    await assertTenantExists(store, tenantId);
    const hits = await store.search(tenantId, embedding, { k, minSimilarity, exact: parsed.flag("exact") });
    if (parsed.flag("json")) {
      await printJson(io, {
        tenantId,
        hits: hits.map((hit) => ({
          id: hit.entryId,
          similarity: hit.similarity,
          timestamp: hit.timestamp,
          contextHash: hit.contextHash,
        })),
      });
    } else if (hits.length > 0) {
      const rows = hits.map((hit) => [
        hit.entryId.toString(),
        hit.similarity.toFixed(4),
        hit.timestamp.toString(),
        hit.contextHash.toString(),
      ]);
      await io.stdout.write(`${formatTable(rows, ["left", "right", "right", "left"])}\n`);
    }
    return hits.length > 0 ? ExitCode.ok : ExitCode.notFound;
  },
};
