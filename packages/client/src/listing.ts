import { type Id, pathId } from "./ids.ts";
import type { Transport } from "./transport.ts";
import type { ListPage } from "./types.ts";

/**
 * `GET /v1/tenants/{tenant}/entries` with `query` (`limit`, `after`, `contextHash`; undefined
 * values are left out): one page of ids and the `next` cursor (null on the last page).
 */
export async function fetchListPage(
  transport: Transport,
  tenant: Id,
  query: Record<string, string | undefined>,
): Promise<ListPage> {
  const response = await transport.call({
    method: "GET",
    path: `/v1/tenants/${pathId(tenant, "tenant")}/entries`,
    query,
    idempotent: true,
  });
  const body = (await response.json()) as { ids: string[]; next: string | null };
  return { ids: body.ids.map(BigInt), next: body.next === null ? null : BigInt(body.next) };
}

/**
 * The ids of a paged listing, following `next` from page to page: every one, or the first
 * `limit`. `page(after, want)` fetches the page after `after` (undefined: the first), asking
 * for at most `want` ids (undefined: the server's page size).
 */
export async function* followPages(
  page: (after: bigint | undefined, want: number | undefined) => Promise<ListPage>,
  limit?: number,
): AsyncGenerator<bigint> {
  let after: bigint | undefined;
  let given = 0;
  for (;;) {
    const { ids, next } = await page(after, limit === undefined ? undefined : limit - given);
    for (const id of ids) {
      yield id;
      given++;
    }
    if (next === null || (limit !== undefined && given >= limit)) return;
    after = next;
  }
}
