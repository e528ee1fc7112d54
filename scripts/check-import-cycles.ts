/**
 * Finds import circles in the repository's TypeScript and fails when there is one.
 *
 * Scans every `.ts` file under `packages/<pkg>/src`, `apps/<app>/src`, `bench/` and
 * `reliability/` (generated `src/gen` and `node_modules` aside), follows every import
 * (`import type` and `export ... from` included: a contract that depends on its
 * implementation is exactly what this is here to catch), resolving relative specifiers and
 * the workspace's `@reflex/<name>` packages (by their package.json `exports`, else
 * `src/index.ts`), and lists every cycle as `file -> file -> ... -> file`.
 *
 * @example
 * bun scripts/check-import-cycles.ts          # the repository this script lives in
 * bun scripts/check-import-cycles.ts ../other # another tree of the same layout
 * // exit 0: one summary line; exit 1: every cycle found; exit 2: the root is unreadable.
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** Where the scanned files live, relative to the root: each workspace's `src`, and two whole folders. */
const WORKSPACE_GROUPS = ["packages", "apps"] as const;
const WHOLE_FOLDERS = ["bench", "reliability"] as const;
/** Folder names never scanned. */
const SKIPPED_DIRS = new Set(["node_modules", ".git"]);

/** Most cycles listed; a tangle beyond that is reported as a count. */
export const MAX_LISTED_CYCLES = 200;

/** What {@link findImportCycles} found. */
export interface CycleReport {
  /** Files scanned, relative to the root, with `/` separators, sorted. */
  readonly files: readonly string[];
  /** Imports that resolved to a scanned file. */
  readonly edges: number;
  /**
   * Every elementary cycle (up to {@link MAX_LISTED_CYCLES}), each as the files in import
   * order, starting at its alphabetically first file and ending with it again.
   */
  readonly cycles: readonly (readonly string[])[];
  /** True when more cycles exist than {@link MAX_LISTED_CYCLES}. */
  readonly truncated: boolean;
}

/** A workspace package: its folder and the files its `exports` name, by subpath (`"."`, `"./x"`). */
interface WorkspacePackage {
  readonly dir: string;
  readonly exports: ReadonlyMap<string, string>;
}

/** The stat of `path`, or undefined when there is nothing there (a missing file, or a file where a folder was expected). */
function statOf(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  return statOf(path)?.isDirectory() === true;
}

function isFile(path: string): boolean {
  return statOf(path)?.isFile() === true;
}

/** Every `.ts` file below `dir` (no declaration files), skipping `node_modules` and any `src/gen`. */
function collectTs(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (SKIPPED_DIRS.has(entry.name)) continue;
      if (entry.name === "gen" && dir.endsWith(`${sep}src`)) continue;
      collectTs(path, out);
    } else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
      out.push(path);
    }
  }
}

/** The workspace folders of one group (`packages/*`, `apps/*`), sorted. */
function workspaceDirs(root: string, group: string): string[] {
  const base = join(root, group);
  if (!isDirectory(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !SKIPPED_DIRS.has(entry.name))
    .map((entry) => join(base, entry.name))
    .sort();
}

/** The exports map of a package.json: subpath -> file, for the plain-string and `import`/`default` forms. */
function exportsOf(dir: string, json: { exports?: unknown }): Map<string, string> {
  const map = new Map<string, string>();
  const add = (subpath: string, target: unknown) => {
    const file =
      typeof target === "string"
        ? target
        : typeof target === "object" && target !== null
          ? ((target as Record<string, unknown>).import ?? (target as Record<string, unknown>).default)
          : undefined;
    if (typeof file === "string") map.set(subpath, resolve(dir, file));
  };
  const { exports } = json;
  if (typeof exports === "string") add(".", exports);
  else if (typeof exports === "object" && exports !== null) {
    for (const [subpath, target] of Object.entries(exports)) add(subpath, target);
  }
  return map;
}

/** Workspace packages by name (`@reflex/core` -> packages/core), from their package.json, else by folder name. */
function workspacePackages(root: string): Map<string, WorkspacePackage> {
  const packages = new Map<string, WorkspacePackage>();
  for (const group of WORKSPACE_GROUPS) {
    for (const dir of workspaceDirs(root, group)) {
      const manifest = join(dir, "package.json");
      let json: { name?: unknown; exports?: unknown } = {};
      if (isFile(manifest)) {
        try {
          json = JSON.parse(readFileSync(manifest, "utf8"));
        } catch {
          json = {};
        }
      }
      const name = typeof json.name === "string" ? json.name : `@reflex/${dir.slice(dir.lastIndexOf(sep) + 1)}`;
      const exports = exportsOf(dir, json);
      if (!exports.has(".")) exports.set(".", join(dir, "src", "index.ts"));
      packages.set(name, { dir, exports });
    }
  }
  return packages;
}

/** The `.ts` file a path names: itself, with `.ts`, `.js` read as `.ts`, or its folder's `index.ts`. */
function resolveFile(path: string): string | undefined {
  const candidates = [path, `${path}.ts`, join(path, "index.ts")];
  if (/\.[cm]?js$/.test(path)) candidates.unshift(path.replace(/\.([cm]?)js$/, ".$1ts"));
  return candidates.find((candidate) => candidate.endsWith(".ts") && isFile(candidate));
}

/** The file an import specifier names, or undefined for a dependency outside the workspace. */
function resolveSpecifier(
  specifier: string,
  fromFile: string,
  packages: ReadonlyMap<string, WorkspacePackage>,
): string | undefined {
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    return resolveFile(resolve(dirname(fromFile), specifier));
  }
  const match = /^(@[^/]+\/[^/]+|[^@/][^/]*)(\/.*)?$/.exec(specifier);
  const pkg = match === null ? undefined : packages.get(match[1] as string);
  if (match === null || pkg === undefined) return undefined;
  const subpath = match[2] === undefined ? "." : `.${match[2]}`;
  const exported = pkg.exports.get(subpath);
  return exported !== undefined ? resolveFile(exported) : resolveFile(join(pkg.dir, subpath));
}

/** Strongly connected components of `graph` (Tarjan), iteratively, so deep import chains cannot overflow the stack. */
function stronglyConnected(nodes: readonly string[], graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; next: number };
      const targets = graph.get(frame.node) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++] as string;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(target) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) {
        low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component.sort());
      }
    }
  }
  return components;
}

/**
 * The elementary cycles within one component, each starting at its smallest file
 * (so each is found once), until `budget` of them.
 */
function cyclesIn(component: readonly string[], graph: ReadonlyMap<string, readonly string[]>, budget: number) {
  const members = new Set(component);
  const cycles: string[][] = [];
  for (const start of component) {
    const path = [start];
    const onPath = new Set(path);
    const visit = (node: string): boolean => {
      for (const target of graph.get(node) ?? []) {
        if (!members.has(target) || target < start) continue;
        if (target === start) {
          cycles.push([...path, start]);
          if (cycles.length > budget) return false;
        } else if (!onPath.has(target)) {
          path.push(target);
          onPath.add(target);
          const more = visit(target);
          onPath.delete(target);
          path.pop();
          if (!more) return false;
        }
      }
      return true;
    };
    if (!visit(start)) break;
  }
  return cycles;
}

/**
 * Scans the tree at `root` and returns its import graph's cycles.
 *
 * @example
 * const { cycles } = findImportCycles(process.cwd());
 * for (const cycle of cycles) console.log(cycle.join(" -> "));
 */
export function findImportCycles(root: string): CycleReport {
  const absoluteRoot = resolve(root);
  const found: string[] = [];
  for (const group of WORKSPACE_GROUPS) {
    for (const dir of workspaceDirs(absoluteRoot, group)) {
      if (isDirectory(join(dir, "src"))) collectTs(join(dir, "src"), found);
    }
  }
  for (const folder of WHOLE_FOLDERS) {
    if (isDirectory(join(absoluteRoot, folder))) collectTs(join(absoluteRoot, folder), found);
  }
  const name = (file: string) => relative(absoluteRoot, file).split(sep).join("/");
  const files = [...new Set(found.map(name))].sort();
  const scanned = new Set(files);
  const packages = workspacePackages(absoluteRoot);
  const graph = new Map<string, string[]>();
  let edges = 0;
  for (const file of files) {
    const absolute = join(absoluteRoot, file);
    const { importedFiles } = ts.preProcessFile(readFileSync(absolute, "utf8"), true, true);
    const targets = new Set<string>();
    for (const { fileName } of importedFiles) {
      const target = resolveSpecifier(fileName, absolute, packages);
      if (target !== undefined && scanned.has(name(target))) targets.add(name(target));
    }
    edges += targets.size;
    graph.set(file, [...targets].sort());
  }
  const cycles: string[][] = [];
  for (const component of stronglyConnected(files, graph)) {
    const [only] = component;
    const selfLoop = component.length === 1 && only !== undefined && graph.get(only)?.includes(only) === true;
    if (component.length < 2 && !selfLoop) continue;
    cycles.push(...cyclesIn(component, graph, MAX_LISTED_CYCLES - cycles.length));
    if (cycles.length > MAX_LISTED_CYCLES) break;
  }
  cycles.sort((a, b) => a.length - b.length || a.join("\0").localeCompare(b.join("\0")));
  const truncated = cycles.length > MAX_LISTED_CYCLES;
  return { files, edges, cycles: cycles.slice(0, MAX_LISTED_CYCLES), truncated };
}

/** Runs the check on `root` and prints its result; resolves to the exit code. */
export function main(root: string, out: (line: string) => void = console.log): number {
  if (!isDirectory(root)) {
    out(`check-import-cycles: ${root} is not a directory`);
    return 2;
  }
  const report = findImportCycles(root);
  if (report.cycles.length === 0) {
    out(`no import cycles: ${report.files.length} files, ${report.edges} imports between them`);
    return 0;
  }
  const count = `${report.cycles.length}${report.truncated ? "+" : ""}`;
  out(`${count} import cycle(s) among ${report.files.length} files:`);
  for (const cycle of report.cycles) out(`  ${cycle.join(" -> ")}`);
  return 1;
}

if (import.meta.main) {
  const defaultRoot = resolve(import.meta.dir, "..");
  process.exit(main(resolve(process.argv[2] ?? defaultRoot)));
}
