import { constants } from "node:fs";
import { dirname } from "node:path";
import { errnoOf, ioError, StoreError } from "../contract/store-error.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { DirectorySyncer } from "./directory-sync.ts";
import type { FileOps } from "./file-ops.ts";
import { DELETING_PREFIX, tenantDirPath } from "./layout.ts";
import { syncDirectoryNow } from "./remove-entry-file.ts";
import type { RootLock } from "./root-lock.ts";

let asideCounter = 0;

function enoent(): Error {
  return Object.assign(new Error("no such tenant directory"), { code: "ENOENT" });
}

const MARKER_OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

/** How many times `create` makes a directory that a concurrent cleanup keeps removing. */
const MKDIR_ATTEMPTS = 16;

/**
 * The root and its tenant directories: creates them (durably when asked), removes
 * empty ones, and remembers which exist so a write to a known tenant skips the mkdir.
 * Reports every tenant directory it makes or removes to the ledger.
 */
export class TenantDirs {
  /** Tenants whose directory this store made or saw: true once an fsync of the root made it durable. */
  readonly #known = new Map<bigint, boolean>();
  #movedAside = 0;

  constructor(
    readonly root: string,
    private readonly ops: FileOps,
    private readonly syncer: DirectorySyncer,
    private readonly ledger: Ledger,
    /** The root's writer lock, taken once the root exists (none: the caller locks, as tests of the parts do). */
    private readonly lock: RootLock | null = null,
  ) {}

  /**
   * Creates the root (and parents) and takes the writer lock on it; `storage_unavailable`
   * when it cannot, or when it is not a directory; `locked` when another process writes it.
   */
  ensureRoot(): void {
    if (this.lock?.mode === "read-only") {
      if (this.ops.statSync(this.root)?.isDirectory() === true) return;
      throw new StoreError("storage_unavailable", `storage root ${this.root} does not exist (read-only: not created)`);
    }
    try {
      if (this.ops.statSync(this.root) === undefined) this.#createRoot();
    } catch (error) {
      throw new StoreError(
        "storage_unavailable",
        `cannot create storage root ${this.root}: ${errnoOf(error) ?? error}`,
        { cause: error, errno: errnoOf(error) },
      );
    }
    if (this.ops.statSync(this.root)?.isDirectory() !== true) {
      throw new StoreError("storage_unavailable", `storage root ${this.root} is not a directory`);
    }
    this.lock?.acquire();
  }

  /**
   * Makes the root and its missing parents, then fsyncs the parent of each directory it
   * made, deepest first: a root made by a durable write must survive a power cut along
   * with the write (an fsync of the root makes its entries durable, not its own name).
   */
  #createRoot(): void {
    const made: string[] = [];
    for (let path = this.root; this.ops.statSync(path) === undefined; path = dirname(path)) {
      made.push(path);
      if (dirname(path) === path) break;
    }
    this.ops.mkdirSync(this.root, true);
    for (const path of made) this.syncer.syncNow(dirname(path));
  }

  /**
   * Makes the empty file `<root>/<name>` (a marker such as the TTL marker) unless it is
   * there, and fsyncs the root so the marker survives a power cut with the writes it
   * announces. Through FileOps, like every write.
   */
  createMarker(name: string): void {
    this.ensureRoot();
    const path = `${this.root}/${name}`;
    if (this.ops.statSync(path) !== undefined) return;
    try {
      this.ops.closeSync(this.ops.openSync(path, MARKER_OPEN_FLAGS, 0o644));
    } catch (error) {
      if (errnoOf(error) !== "EEXIST") throw ioError("create", path, error);
    }
    syncDirectoryNow(this.syncer, this.root);
  }

  /** Tenant directories this store has renamed aside (deleted) so far: a write that overlapped one may have lost its temp file to it. */
  get movedAside(): number {
    return this.#movedAside;
  }

  /**
   * True when this store made or saw the tenant's directory and has not removed it since;
   * with `durable`, only when it also fsynced the root since (a directory an atomic write
   * made is not durable, and a durable write into it must not be acknowledged before it is).
   */
  isKnown(tenantId: bigint, durable = false): boolean {
    const known = this.#known.get(tenantId);
    return known === true || (known === false && !durable);
  }

  /** Creates the tenant's directory if missing; with `durable`, fsyncs the root so the directory survives a crash. */
  create(tenantId: bigint, durable: boolean): void {
    this.#known.delete(tenantId);
    const directory = tenantDirPath(this.root, tenantId);
    this.ensureRoot();
    for (let attempt = 1; ; attempt++) {
      try {
        this.ops.mkdirSync(directory);
        break;
      } catch (error) {
        const existing = errnoOf(error) === "EEXIST" ? this.ops.statSync(directory) : undefined;
        if (existing?.isDirectory()) break;
        // EEXIST, then gone by the stat: a cleanup in another process removed it meanwhile; make it again.
        if (errnoOf(error) === "EEXIST" && existing === undefined && attempt < MKDIR_ATTEMPTS) continue;
        throw new StoreError(
          "tenant_dir_creation_failed",
          `cannot create tenant directory ${directory}: ${errnoOf(error) ?? error}`,
          { cause: error, errno: errnoOf(error) },
        );
      }
    }
    if (durable) syncDirectoryNow(this.syncer, this.root);
    this.#known.set(tenantId, durable);
    this.ledger.tenantCreated(tenantId);
  }

  /**
   * Renames the tenant's directory aside, to `<root>/.deleting-<tenant>-<pid>-<n>`, which
   * every listing ignores: from this one rename on, the whole tenant is gone at once.
   * With `durable`, fsyncs the root so the rename survives a crash. Returns the new path;
   * `not_found` when the tenant has no directory.
   */
  moveAside(tenantId: bigint, durable: boolean): string {
    const directory = tenantDirPath(this.root, tenantId);
    const aside = `${this.root}/${DELETING_PREFIX}${tenantId}-${process.pid}-${++asideCounter}`;
    try {
      if (this.ops.statSync(directory)?.isDirectory() !== true) throw enoent();
      this.ops.renameSync(directory, aside);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === "ENOENT" || errno === "ENOTDIR") {
        throw new StoreError("not_found", `tenant ${tenantId} not found`, { errno });
      }
      throw ioError("rename", directory, error);
    }
    this.#movedAside++;
    this.#known.delete(tenantId);
    this.ledger.tenantRemoved(tenantId);
    if (durable) syncDirectoryNow(this.syncer, this.root);
    return aside;
  }

  /** Removes the tenant's directory if it is empty (rmdir refuses otherwise); true when it went. */
  removeIfEmpty(tenantId: bigint): boolean {
    const directory = tenantDirPath(this.root, tenantId);
    try {
      this.ops.rmdirSync(directory);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === "ENOTEMPTY" || errno === "EEXIST" || errno === "ENOENT") return false;
      throw ioError("rmdir", directory, error);
    }
    this.#known.delete(tenantId);
    this.ledger.tenantRemoved(tenantId);
    return true;
  }
}
