// A FileOps model of the page cache and the disk, for power-loss tests.
//
// The store under test runs its writes through SimFs: each call is done for real on a
// "page cache" directory (the store's reads, node:fs and Bun.mmap, see that directory as a
// running system would), and is also recorded in an in-memory model that knows what an
// fsync has made durable. `crashImage()` draws one state the disk may hold after a power
// cut at this instant. The model is the strict POSIX one that ALICE and CrashMonkey test
// against (ext4 keeps more, never less):
//   - a file's data is durable only once an fsync of that file (or a syncfs) completes
//     after it was written; unsynced data may be torn at 4 KiB granularity (each page
//     independently old or new) and its length may be the old or the new one;
//   - a directory entry change (create, rename, unlink, mkdir, rmdir) is durable only once
//     an fsync of that directory completes after it; at a cut any subset of a directory's
//     unsynced changes survives (applied in order; a change whose source is gone is a no-op);
//   - a directory lost at a cut takes everything under it along;
//   - fsync of a file does not make its name durable, nor fsync of a directory its files' data.
// Real fsyncs are skipped: nothing here needs the real disk, and they cost milliseconds.
import * as fs from "node:fs";
import type { FileOps, FileStat } from "../../src/disk/file-ops.ts";

const PAGE = 4096;

interface FileNode {
  readonly kind: "file";
  /** The page cache's bytes (copy on write: a snapshot may keep a reference). */
  data: Uint8Array;
  durable: Uint8Array;
  /** Writes so far, and how many of them are durable (an fsync that lands late never goes back). */
  writes: number;
  durableWrites: number;
}

type DirChange =
  | { readonly seq: number; readonly kind: "link"; readonly name: string; readonly node: Node }
  | { readonly seq: number; readonly kind: "unlink"; readonly name: string }
  | { readonly seq: number; readonly kind: "rename"; readonly from: string; readonly to: string };

interface DirNode {
  readonly kind: "dir";
  readonly entries: Map<string, Node>;
  durable: Map<string, Node>;
  durableSeq: number;
  pending: DirChange[];
}

type Node = FileNode | DirNode;

/** One state the disk may hold after a cut: relative path -> bytes (files) or null (directories). */
export type CrashImage = Map<string, Uint8Array | null>;

/** A source of random choices in [0, 1). */
export type Random = () => number;

/** A small seeded PRNG (mulberry32), so a failing cut replays. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function newDir(): DirNode {
  return { kind: "dir", entries: new Map(), durable: new Map(), durableSeq: 0, pending: [] };
}

/**
 * The page cache and disk model. Every path given to it lies under `base` (which exists
 * and is durable). `onStep` runs before each call that changes the model (and before each
 * async fsync lands): the instants at which a test may cut the power.
 */
export class SimFs implements FileOps {
  readonly #root: DirNode = newDir();
  readonly #fds = new Map<number, Node>();
  #seq = 0;
  /** Called before every change of the model: a possible power cut. */
  onStep: (() => void) | null = null;

  constructor(readonly base: string) {}

  #step(): void {
    this.onStep?.();
  }

  #parts(path: string): string[] {
    if (path !== this.base && !path.startsWith(`${this.base}/`))
      throw new Error(`SimFs: ${path} is outside ${this.base}`);
    return path
      .slice(this.base.length)
      .split("/")
      .filter((part) => part !== "" && part !== ".");
  }

  #lookup(path: string): Node | undefined {
    let node: Node = this.#root;
    for (const part of this.#parts(path)) {
      if (node.kind !== "dir") return undefined;
      const next = node.entries.get(part);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  #parent(path: string): { dir: DirNode; name: string } {
    const parts = this.#parts(path);
    const name = parts.pop();
    const dir = this.#lookup(`${this.base}/${parts.join("/")}`);
    if (name === undefined || dir?.kind !== "dir") throw new Error(`SimFs: no model parent for ${path}`);
    return { dir, name };
  }

  #change(dir: DirNode, change: Omit<DirChange, "seq"> & Partial<DirChange>): void {
    dir.pending.push({ ...change, seq: ++this.#seq } as DirChange);
  }

  #link(path: string, node: Node): void {
    const { dir, name } = this.#parent(path);
    dir.entries.set(name, node);
    this.#change(dir, { kind: "link", name, node });
  }

  #unlink(path: string): void {
    const { dir, name } = this.#parent(path);
    const node = dir.entries.get(name);
    if (node?.kind === "dir") for (const child of [...node.entries.keys()]) this.#unlink(`${path}/${child}`);
    dir.entries.delete(name);
    this.#change(dir, { kind: "unlink", name });
  }

  #node(fd: number): Node {
    const node = this.#fds.get(fd);
    if (node === undefined) throw new Error(`SimFs: fd ${fd} is not open`);
    return node;
  }

  #written(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): void {
    const node = this.#node(fd);
    if (node.kind !== "file" || length <= 0) return;
    const data = new Uint8Array(Math.max(node.data.byteLength, position + length));
    data.set(node.data);
    data.set(buffer.subarray(offset, offset + length), position);
    node.data = data;
    node.writes++;
  }

  /** Returns what an fsync of `node` started now makes durable once it completes. */
  #syncOf(node: Node): () => void {
    if (node.kind === "file") {
      const data = node.data;
      const writes = node.writes;
      return () => {
        if (writes < node.durableWrites) return;
        node.durable = data;
        node.durableWrites = writes;
      };
    }
    const entries = new Map(node.entries);
    const seq = this.#seq;
    return () => {
      if (seq <= node.durableSeq) return;
      node.durable = entries;
      node.durableSeq = seq;
      node.pending = node.pending.filter((change) => change.seq > seq);
    };
  }

  openSync(path: string, flags: number, mode?: number): number {
    const existing = this.#lookup(path);
    if (existing === undefined && (flags & fs.constants.O_CREAT) !== 0) this.#step();
    const fd = fs.openSync(path, flags, mode);
    let node = existing;
    if (node === undefined) {
      node = { kind: "file", data: new Uint8Array(0), durable: new Uint8Array(0), writes: 0, durableWrites: 0 };
      this.#link(path, node);
    } else if (node.kind === "file" && (flags & fs.constants.O_TRUNC) !== 0) {
      node.data = new Uint8Array(0);
      node.writes++;
    }
    this.#fds.set(fd, node);
    return fd;
  }

  async open(path: string, flags: number, mode?: number): Promise<number> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.openSync(path, flags, mode);
  }

  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    this.#step();
    const written = fs.writeSync(fd, buffer, offset, length, position);
    this.#written(fd, buffer, offset, written, position);
    return written;
  }

  async write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.writeSync(fd, buffer, offset, length, position);
  }

  fsyncSync(fd: number): void {
    this.#step();
    this.#syncOf(this.#node(fd))();
  }

  async fsync(fd: number): Promise<void> {
    const land = this.#syncOf(this.#node(fd));
    await new Promise((resolve) => setImmediate(resolve));
    this.#step();
    land();
  }

  /** syncfs(2): everything in the model becomes durable. */
  syncfsSync(_fd: number): boolean {
    this.#step();
    const visit = (node: Node): void => {
      this.#syncOf(node)();
      if (node.kind === "dir") for (const child of node.entries.values()) visit(child);
    };
    visit(this.#root);
    return true;
  }

  closeSync(fd: number): void {
    fs.closeSync(fd);
    this.#fds.delete(fd);
  }

  renameSync(from: string, to: string): void {
    this.#step();
    fs.renameSync(from, to);
    const source = this.#parent(from);
    const target = this.#parent(to);
    const node = source.dir.entries.get(source.name);
    if (node === undefined) return;
    if (source.dir === target.dir) {
      source.dir.entries.delete(source.name);
      source.dir.entries.set(target.name, node);
      this.#change(source.dir, { kind: "rename", from: source.name, to: target.name });
    } else {
      this.#link(to, node);
      source.dir.entries.delete(source.name);
      this.#change(source.dir, { kind: "unlink", name: source.name });
    }
  }

  unlinkSync(path: string): void {
    this.#step();
    fs.unlinkSync(path);
    this.#unlink(path);
  }

  mkdirSync(path: string, recursive = false): void {
    this.#step();
    fs.mkdirSync(path, { mode: 0o755, recursive });
    const parts = this.#parts(path);
    for (let i = 1; i <= parts.length; i++) {
      const partial = `${this.base}/${parts.slice(0, i).join("/")}`;
      if (this.#lookup(partial) === undefined) this.#link(partial, newDir());
    }
  }

  rmdirSync(path: string): void {
    this.#step();
    fs.rmdirSync(path);
    this.#unlink(path);
  }

  rmSync(path: string, recursive: boolean): void {
    this.#step();
    fs.rmSync(path, { recursive, force: true });
    if (this.#lookup(path) !== undefined) this.#unlink(path);
  }

  statSync(path: string): FileStat | undefined {
    return fs.statSync(path, { throwIfNoEntry: false });
  }

  utimesSync(path: string, atimeSeconds: number, mtimeSeconds: number): void {
    fs.utimesSync(path, atimeSeconds, mtimeSeconds);
  }

  /** One state the disk may hold if the power were cut now, drawn with `random`. */
  crashImage(random: Random): CrashImage {
    const image: CrashImage = new Map();
    const visit = (dir: DirNode, prefix: string): void => {
      for (const [name, node] of survivingEntries(dir, random)) {
        const path = prefix === "" ? name : `${prefix}/${name}`;
        if (node.kind === "dir") {
          image.set(path, null);
          visit(node, path);
        } else {
          image.set(path, tornData(node, random));
        }
      }
    };
    visit(this.#root, "");
    return image;
  }
}

/** A directory's entries after a cut: the durable ones, then each unsynced change kept or lost at random, in order. */
function survivingEntries(dir: DirNode, random: Random): Map<string, Node> {
  const entries = new Map(dir.durable);
  for (const change of dir.pending) {
    if (random() < 0.5) continue;
    if (change.kind === "link") entries.set(change.name, change.node);
    else if (change.kind === "unlink") entries.delete(change.name);
    else {
      const node = entries.get(change.from);
      if (node === undefined) continue;
      entries.delete(change.from);
      entries.set(change.to, node);
    }
  }
  return entries;
}

/** A file's bytes after a cut: durable, or (with unsynced writes) each 4 KiB page old or new, either length. */
function tornData(file: FileNode, random: Random): Uint8Array {
  if (file.data === file.durable) return file.durable;
  const length = random() < 0.5 ? file.durable.byteLength : file.data.byteLength;
  const out = new Uint8Array(length);
  for (let page = 0; page * PAGE < length; page++) {
    const source = random() < 0.5 ? file.durable : file.data;
    out.set(source.subarray(page * PAGE, Math.min(length, (page + 1) * PAGE)), page * PAGE);
  }
  return out;
}

/** Writes an image into `dir` as real files and directories (no fsync: it is read at once). */
export function materialize(image: CrashImage, dir: string): void {
  const paths = [...image.keys()].sort((a, b) => a.split("/").length - b.split("/").length);
  for (const path of paths) {
    const data = image.get(path);
    if (data === null || data === undefined) fs.mkdirSync(`${dir}/${path}`, { recursive: true });
    else fs.writeFileSync(`${dir}/${path}`, data);
  }
}
