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
  synopsis:
    "reflex search <tenant> --embedding FILE|- [--context-hash N] [--k N] [--min-similarity X] [--exact] [--json]",
  options: {
    "context-hash": { type: "string" },
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
      "per line: id, similarity, timestamp, context hash. With --context-hash, only entries of that\n" +
      "context hash are candidates. Then, on stderr, `nearest`: the best similarity of any candidate,\n" +
      "also when nothing reached the threshold (to choose one). Reads every entry file of the store\n" +
      "first to build the index (a server keeps it built).",
    options: [
      ["--embedding FILE|-", "the query embedding (required)"],
      ["--context-hash N", "only entries with this u64 context hash (default: every entry of the tenant)"],
      ["--k N", `most hits, 1 to ${MAX_SEARCH_K} (default ${DEFAULT_SEARCH_OPTIONS.k})`],
      ["--min-similarity X", `least cosine similarity, -1 to 1 (default ${DEFAULT_SEARCH_OPTIONS.minSimilarity})`],
      ["--exact", "score every stored vector instead of the prefiltered candidates"],
      ["--json", "print the hits as JSON"],
    ],
    json:
      '  {"tenantId":"1","hits":[{"id":"42","similarity":0.97,"timestamp":"1700000000","contextHash":"7"}],\n' +
      '   "nearest":0.97}\n' +
      "  hits: best first; empty when nothing reaches the threshold\n" +
      "  nearest: the best similarity of any candidate, hit or not; null when there was none",
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
    const contextHash = parsed.idOption("context-hash");
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
    const { hits, nearest } = await store.searchWithNearest(tenantId, embedding, {
      k,
      minSimilarity,
      exact: parsed.flag("exact"),
      ...(contextHash === undefined ? {} : { contextHash }),
    });
    if (parsed.flag("json")) {
      await printJson(io, {
        tenantId,
        hits: hits.map((hit) => ({
          id: hit.entryId,
          similarity: hit.similarity,
          timestamp: hit.timestamp,
          contextHash: hit.contextHash,
        })),
        nearest,
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
    // stdout stays the hits alone (one per line, for scripts); the tuning figure goes beside it.
    if (!parsed.flag("json")) {
      await io.stderr.write(`nearest: ${nearest === null ? "none (no candidate)" : nearest.toFixed(4)}\n`);
    }
    return hits.length > 0 ? ExitCode.ok : ExitCode.notFound;
  },
};
