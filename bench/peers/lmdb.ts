/** lmdb-js (`lmdb`) as a peer: binary values, durable commits (awaits `flushed`). */
import { open } from "lmdb";
import type { Peer } from "./peer.ts";

/** Opens an lmdb environment in `dir` with the library's durable defaults (sync on commit, overlappingSync). */
export function openLmdb(dir: string): Peer {
  const db = open<Uint8Array, number>({ path: dir, encoding: "binary", compression: false });
  return {
    name: "lmdb",
    async put(key, value) {
      await db.put(key, value);
      await db.flushed;
    },
    async putMany(keys, value) {
      // Puts issued in one event turn are committed in one transaction.
      await Promise.all(keys.map((key) => db.put(key, value)));
      await db.flushed;
    },
    get(key) {
      const value = db.getBinary(key);
      if (value === undefined) throw new Error(`lmdb: missing key ${key}`);
      return value;
    },
    async close() {
      await db.close();
    },
  };
}
