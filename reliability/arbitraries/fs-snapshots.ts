// File-system snapshots: what proves a request or a command created, changed or removed
// nothing outside the store root, and nothing non-canonical inside it.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { U64_MAX } from "@reflex/codec";

/** Every file and directory under `dir` (relative, `/` for dirs), with a content hash for files, skipping `exclude`. */
export function treeSnapshot(dir: string, exclude: readonly string[] = []): Map<string, string> {
  const snapshot = new Map<string, string>();
  const walk = (current: string) => {
    for (const dirent of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, dirent.name);
      if (exclude.includes(path)) continue;
      const name = relative(dir, path).split(sep).join("/");
      if (dirent.isDirectory()) {
        snapshot.set(`${name}/`, "dir");
        walk(path);
      } else if (dirent.isFile()) {
        snapshot.set(name, createHash("sha256").update(readFileSync(path)).digest("hex"));
      } else {
        snapshot.set(name, "other");
      }
    }
  };
  walk(dir);
  return snapshot;
}

/** What differs between two snapshots: added, removed and changed names. */
export function snapshotDiff(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const diff: string[] = [];
  for (const [name, hash] of after) {
    if (!before.has(name)) diff.push(`added ${name}`);
    else if (before.get(name) !== hash) diff.push(`changed ${name}`);
  }
  for (const name of before.keys()) if (!after.has(name)) diff.push(`removed ${name}`);
  return diff;
}

/** Names a store write could leave: decimal ids, entry and temp files, the default root. */
const STORE_LIKE_NAME = /^(\d+|.*\.rfx|.*\.tmp|reflex-data)$/;

/** Store-like names at the top level of `dir` (e.g. the system temp dir, the repo), to compare before and after. */
export function storeLikeNames(dir: string): Set<string> {
  return new Set(readdirSync(dir).filter((name) => STORE_LIKE_NAME.test(name)));
}

/** Names in `after` and not in `before`. */
export function added(before: ReadonlySet<string>, after: ReadonlySet<string>): string[] {
  return [...after].filter((name) => !before.has(name));
}

/** The store's own marker file at the root, made by the first write with a TTL (packages/core/src/disk/layout.ts). */
const TTL_MARKER = ".reflex-ttl";
const LOCK_FILE = ".reflex-lock";

const CANONICAL = /^(0|[1-9][0-9]{0,19})$/;

function isCanonicalU64(text: string): boolean {
  return CANONICAL.test(text) && BigInt(text) <= U64_MAX;
}

/**
 * Everything under a store root that is not `<tenant>/` or `<tenant>/<id>.rfx` with
 * canonical decimal u64 names (or the store's TTL marker) (a stray temp file, a name built from unchecked input, a
 * nested directory). The store creates nothing else, whatever the request.
 */
export function nonCanonicalPaths(root: string): string[] {
  const problems: string[] = [];
  for (const tenant of readdirSync(root, { withFileTypes: true })) {
    if ((tenant.name === TTL_MARKER || tenant.name === LOCK_FILE) && tenant.isFile()) continue;
    if (!tenant.isDirectory() || !isCanonicalU64(tenant.name)) {
      problems.push(tenant.name);
      continue;
    }
    for (const file of readdirSync(join(root, tenant.name), { withFileTypes: true })) {
      const match = /^(.*)\.rfx$/.exec(file.name);
      if (!file.isFile() || match === null || !isCanonicalU64(match[1] as string)) {
        problems.push(`${tenant.name}/${file.name}`);
      }
    }
  }
  return problems;
}

/** Size and mtime of every file under a tenant dir, to tell whether anything there changed. */
export function tenantFingerprint(root: string, tenant: bigint): string {
  const dir = join(root, tenant.toString());
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return "absent";
  }
  return names
    .map((name) => {
      const stat = statSync(join(dir, name), { bigint: true });
      return `${name}:${stat.size}:${stat.mtimeNs}:${stat.ino}`;
    })
    .join(",");
}
