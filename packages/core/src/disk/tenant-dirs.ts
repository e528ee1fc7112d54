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

/** How many times `create` makes a directory that a concurrent cleanup keeps removing. */
const MKDIR_ATTEMPTS = 16;

/**
 * The root and its tenant directories: creates them (durably when asked), removes
 * empty ones, and remembers which exist so a write to a known tenant skips the mkdir.
 * Reports every tenant directory it makes or removes to the ledger.
 */
export class TenantDirs {
  readonly #known = new Set<bigint>();
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
      if (this.ops.statSync(this.root) === undefined) this.ops.mkdirSync(this.root, true);
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

  /** Tenant directories this store has renamed aside (deleted) so far: a write that overlapped one may have lost its temp file to it. */
  get movedAside(): number {
    return this.#movedAside;
  }

  /** True when this store made or saw the tenant's directory and has not removed it since. */
  isKnown(tenantId: bigint): boolean {
    return this.#known.has(tenantId);
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
    this.#known.add(tenantId);
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
