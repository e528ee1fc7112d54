import { type ArgsSpec, parseCommandArgs, parseCount, parseId } from "../args.ts";
import { type Command, helpText, printJson } from "../command.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";
import { assertTenantExists, openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "ls",
  synopsis: "reflex ls [<tenant>] [--limit N] [--after ID] [--context-hash N] [--json]",
  options: {
    limit: { type: "string" },
    after: { type: "string" },
    "context-hash": { type: "string" },
    json: { type: "boolean" },
  },
  positionals: ["tenant"],
  required: 0,
};

/** One page of ids and the `--after` value of the next page (null on the last page). */
function page(ids: readonly bigint[], limit: number): { ids: bigint[]; next: bigint | null } {
  if (ids.length <= limit) return { ids: [...ids], next: null };
  const shown = ids.slice(0, limit);
  return { ids: shown, next: shown[shown.length - 1] ?? null };
}

/** `reflex ls`: tenant ids, or a tenant's entry ids, ascending, optionally one page at a time. */
export const lsCommand: Command = {
  name: "ls",
  summary: "list tenants, or a tenant's entry ids (paged with --limit/--after)",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Without <tenant>, lists the tenant ids; with it, that tenant's entry ids. Ids are ascending,\n" +
      "one per line. --limit N shows at most N; --after ID starts after ID. The next page of a\n" +
      "paged listing starts after the last id shown (the `next` field of --json).\n" +
      "With --context-hash N (and <tenant>): the ids of the tenant's entries with that context\n" +
      "hash, newest first (by timestamp, then id), paged the same way: --after ID starts after ID\n" +
      "in that order (an ID not in the list, deleted or rewritten since, is a usage error).",
    options: [
      ["--limit N", "at most N ids (N >= 1)"],
      ["--after ID", "only ids greater than ID"],
      ["--context-hash N", "only entries with this u64 context hash, newest first (reads every entry file)"],
      ["--json", "print the page as JSON"],
    ],
    json:
      '  reflex ls --json:     {"tenants":["1","7"],"next":null}\n' +
      '  reflex ls 1 --json:   {"tenantId":"1","entryIds":["3","42"],"next":"42"}\n' +
      "  next: the --after value of the next page, or null when this page is the last",
    exit: "0 ok, 1 tenant not found, 2 usage error, 3 storage error",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    const tenantText = parsed.positionals[0];
    const tenantId = tenantText === undefined ? undefined : parseId(tenantText, "tenant");
    const limitText = parsed.option("limit");
    const limit = limitText === undefined ? Number.POSITIVE_INFINITY : parseCount(limitText, "ls: --limit", 1);
    const after = parsed.idOption("after");
    const contextHash = parsed.idOption("context-hash");
    if (contextHash !== undefined && tenantId === undefined) throw new UsageError("ls: --context-hash needs <tenant>");
    const store = await openCommandStore(parsed);
    let result: { ids: bigint[]; next: bigint | null };
    if (contextHash !== undefined && tenantId !== undefined) {
      await assertTenantExists(store, tenantId);
      const ids = await store.findByContext(tenantId, contextHash);
      const start = after === undefined ? 0 : ids.indexOf(after) + 1;
      if (start === 0 && after !== undefined) {
        throw new UsageError(
          `ls: --after ${after} is not an entry with context hash ${contextHash} (deleted or rewritten?)`,
        );
      }
      result = page(ids.slice(start), limit);
    } else if (tenantId === undefined) {
      const tenants = (await store.listTenants()).filter((id) => after === undefined || id > after);
      result = page(tenants, limit);
    } else {
      await assertTenantExists(store, tenantId);
      // One more than the page, to know whether there is a next page.
      const listPage = {
        ...(Number.isFinite(limit) ? { limit: limit + 1 } : {}),
        ...(after === undefined ? {} : { after }),
      };
      result = page(await store.listEntries(tenantId, listPage), limit);
    }
    if (parsed.flag("json")) {
      await printJson(
        io,
        tenantId === undefined
          ? { tenants: result.ids, next: result.next }
          : { tenantId, entryIds: result.ids, next: result.next },
      );
    } else {
      if (result.ids.length > 0) await io.stdout.write(`${result.ids.join("\n")}\n`);
      if (result.next !== null && io.stderr.isTTY) {
        await io.stderr.write(`(more: add --after ${result.next} for the next page)\n`);
      }
    }
    return ExitCode.ok;
  },
};
