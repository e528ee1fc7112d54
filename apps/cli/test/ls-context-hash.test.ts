// `reflex ls <tenant> --context-hash N --limit`: a cut list says so and pages on, by running the real process.
import { afterEach, describe, expect, test } from "bun:test";
import { reflex, removeTempRoots, seed, tempRoot } from "./helpers.ts";

afterEach(removeTempRoots);

describe("reflex ls --context-hash --limit", () => {
  test("next is the last id shown while more follow; --after pages on until next is null", async () => {
    const root = tempRoot();
    seed(
      root,
      [1n, 2n, 3n].map((id) => ({
        id,
        entry: {
          tenantId: 1n,
          contextHash: 7n,
          timestamp: 100n + id,
          embedding: new Uint8Array(0),
          payloadBlob: new Uint8Array(1),
        },
      })),
    );
    const pages: unknown[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const args = ["ls", "1", "--context-hash", "7", "--limit", "2", "--json", ...(after ? ["--after", after] : [])];
      const result = await reflex(args, { root });
      expect(result.code).toBe(0);
      const page = JSON.parse(result.stdout) as { entryIds: string[]; next: string | null };
      pages.push(page);
      after = page.next;
      if (after === null) break;
    }
    expect(pages).toEqual([
      { tenantId: "1", entryIds: ["3", "2"], next: "2" },
      { tenantId: "1", entryIds: ["1"], next: null },
    ]);
  });
});
