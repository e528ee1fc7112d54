import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { f16Bytes, tempDir, VectorSource } from "@reflex/testkit";
import { cleanupTestState, flipByte, openStore } from "../../test/helpers.ts";
import { readLookupFields, VERIFIED_READ_BYTES } from "./index-fields.ts";

afterEach(cleanupTestState);

const embedding = f16Bytes(new VectorSource(1).direction(768));

function stored(payloadBytes: number) {
  const root = tempDir();
  const store = openStore(root, { durability: "atomic" });
  const entry = {
    tenantId: 3n,
    contextHash: 9n,
    timestamp: 77n,
    embedding,
    payloadBlob: new Uint8Array(payloadBytes).fill(1),
  };
  store.storeSync(5n, entry).release();
  return { store, path: join(root, "3", "5.rfx") };
}

describe("readLookupFields", () => {
  test("a small file is read whole and verified: a flipped byte anywhere leaves it out", () => {
    const { path } = stored(1000);
    const fields = readLookupFields(3n, 5n, path);
    expect(fields?.entry.contextHash).toBe(9n);
    expect(fields?.entry.timestamp).toBe(77n);
    expect([...(fields?.entry.embedding ?? [])]).toEqual([...embedding]);
    flipByte(path, -1);
    expect(readLookupFields(3n, 5n, path)).toBeUndefined();
  });

  test(`a file over ${VERIFIED_READ_BYTES} bytes is read up to its embedding, not its payload`, () => {
    const { store, path } = stored(1024 * 1024);
    const fields = readLookupFields(3n, 5n, path);
    expect([...(fields?.entry.embedding ?? [])]).toEqual([...embedding]);
    expect(fields?.entry.payloadBlob.byteLength).toBe(0);
    // Damage in the payload is not seen without the whole read: a load still refuses the file.
    flipByte(path, -1);
    expect(readLookupFields(3n, 5n, path)?.entry.contextHash).toBe(9n);
    expect(() => store.loadSync(5n, 3n)).toThrow();
  });

  test("a misplaced or missing file is left out", () => {
    const { path } = stored(200 * 1024);
    expect(readLookupFields(4n, 5n, path)).toBeUndefined();
    expect(readLookupFields(3n, 6n, path)).toBeUndefined();
    expect(readLookupFields(3n, 5n, `${path}.missing`)).toBeUndefined();
    const small = stored(10);
    expect(readLookupFields(4n, 5n, small.path)).toBeUndefined();
  });

  test("a reopened store finds large entries by search", async () => {
    const { store, path } = stored(300 * 1024);
    store.close();
    const reopened = openStore(join(path, "..", ".."));
    expect((await reopened.search(3n, embedding)).map((hit) => hit.entryId)).toEqual([5n]);
    expect(await reopened.findByContext(3n, 9n)).toEqual([5n]);
  });
});
