/** The goals of issue 26 (durable writes through the write-ahead log, scenario 2), evaluated against a run's results. */
import { PAYLOAD_SIZES } from "./fixtures.ts";
import { formatRatio } from "./harness.ts";
import type { Results } from "./results.ts";
import { storeGroup } from "./scenarios/store.ts";
import { median, type Verdict, verdict } from "./verdict.ts";

const [size4k] = PAYLOAD_SIZES;

/**
 * Durable 4 KiB with `wal: true`: one at a time within 1.2x SQLite's autocommit insert, and
 * 64 in flight at least the throughput of SQLite's and lmdb's batched writes (same run).
 */
export function walTargets(results: Results): Verdict[] {
  const one = storeGroup(true, size4k, 1);
  const many = storeGroup(true, size4k, 64);
  const log = median(results, many, "reflex store, log");
  return [
    verdict(
      `durable storeSync ${size4k.label} with the log, one at a time: vs sqlite autocommit insert`,
      "<= 1.2x",
      [median(results, one, "reflex storeSync, log"), median(results, one, "sqlite insert")],
      (reflex, sqlite) => ({ measured: formatRatio(reflex / sqlite), met: reflex / sqlite <= 1.2 }),
    ),
    verdict(
      `durable store ${size4k.label} with the log, 64 in flight: throughput vs sqlite batched insert`,
      ">= 1x",
      [log, median(results, many, "sqlite insert batched")],
      (reflex, sqlite) => ({ measured: `${formatRatio(sqlite / reflex)} sqlite's`, met: reflex <= sqlite }),
    ),
    verdict(
      `durable store ${size4k.label} with the log, 64 in flight: throughput vs lmdb batched durable put`,
      ">= 1x",
      [log, median(results, many, "lmdb put batched")],
      (reflex, lmdb) => ({ measured: `${formatRatio(lmdb / reflex)} lmdb's`, met: reflex <= lmdb }),
    ),
  ];
}
