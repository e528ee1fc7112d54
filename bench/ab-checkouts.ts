/**
 * What the same-process A/B scripts (ab-core.ts, wal-ab.ts) share: their two checkouts and
 * `--name=value` flags from the command line, and the store class of a checkout, imported
 * from its sources.
 */
import { resolve } from "node:path";

/** The command line of an A/B script; prints `usage` and exits 2 when a checkout is missing. */
export function abArguments(usage: string): {
  readonly baseTree: string;
  readonly otherTree: string;
  flag(name: string, fallback: string): string;
} {
  const [baseTree, otherTree] = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
  if (baseTree === undefined || otherTree === undefined) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  const flag = (name: string, fallback: string) =>
    process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  return { baseTree, otherTree, flag };
}

/** The `NvmeStorage` class of the checkout at `tree`, typed as the script uses it. */
export async function checkoutStore<S>(tree: string): Promise<new (root: string, options: object) => S> {
  const core = (await import(resolve(tree, "packages/core/src/index.ts"))) as {
    NvmeStorage: new (root: string, options: object) => S;
  };
  return core.NvmeStorage;
}
