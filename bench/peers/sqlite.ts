/** bun:sqlite as a peer: WAL, synchronous=FULL, prepared statements, one blob per key. */
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Peer } from "./peer.ts";

/** Opens `entries.db` in `dir`. */
export function openSqlite(dir: string): Peer {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, "entries.db"), { create: true, strict: true });
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA synchronous = FULL");
  db.run("CREATE TABLE IF NOT EXISTS entries (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  const insert = db.prepare<void, [number, Uint8Array]>("INSERT OR REPLACE INTO entries (k, v) VALUES (?, ?)");
  const select = db.prepare<{ v: Uint8Array }, [number]>("SELECT v FROM entries WHERE k = ?");
  const insertMany = db.transaction((keys: readonly number[], value: Uint8Array) => {
    for (const key of keys) insert.run(key, value);
  });
  return {
    name: "sqlite",
    put(key, value) {
      insert.run(key, value);
      return undefined;
    },
    putMany(keys, value) {
      insertMany(keys, value);
      return undefined;
    },
    get(key) {
      const row = select.get(key);
      if (row === null) throw new Error(`sqlite: missing key ${key}`);
      return row.v;
    },
    close() {
      insert.finalize();
      select.finalize();
      db.close();
      return undefined;
    },
  };
}
