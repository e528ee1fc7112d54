// Human output: sizes in binary units, counts with separators, aligned tables.
// Locale-independent on purpose, so output (and tests) do not change with LANG.

const SIZE_UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/**
 * A byte count in binary units with one decimal: `512 B`, `1.5 KiB`, `12.0 MiB`.
 *
 * @example formatBytes(1536) // "1.5 KiB"
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return `${bytes} B`;
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  value /= 1024;
  while (value >= 1023.95 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${SIZE_UNITS[unit]}`;
}

/**
 * An integer with `,` every three digits; accepts bigints (ids) and numbers (counts).
 *
 * @example formatCount(1234567) // "1,234,567"
 */
export function formatCount(value: number | bigint): string {
  const text = typeof value === "bigint" ? value.toString() : Math.round(value).toString();
  const negative = text.startsWith("-");
  const digits = negative ? text.slice(1) : text;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return negative ? `-${grouped}` : grouped;
}

/**
 * A duration in seconds as `m:ss` or `h:mm:ss` (for an ETA); `--:--` when unknown.
 *
 * @example formatDuration(75) // "1:15"
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = s.toString().padStart(2, "0");
  return h > 0 ? `${h}:${m.toString().padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * A rate per second, compact: `950/s`, `12.3k/s`, `4.5M/s`, or for bytes `12.3 MiB/s`.
 *
 * @example formatRate(12_345, "items") // "12.3k/s"
 */
export function formatRate(perSecond: number, unit: "items" | "bytes"): string {
  if (!Number.isFinite(perSecond) || perSecond < 0) return "?/s";
  if (unit === "bytes") return `${formatBytes(perSecond)}/s`;
  if (perSecond < 1000) return `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)}/s`;
  if (perSecond < 1_000_000) return `${(perSecond / 1000).toFixed(1)}k/s`;
  return `${(perSecond / 1_000_000).toFixed(1)}M/s`;
}

/** How a table column is aligned: text left, numbers right. */
export type Align = "left" | "right";

/**
 * Lays out rows as columns separated by two spaces, each as wide as its widest
 * cell; no trailing spaces. `align[i]` defaults to `"left"`.
 *
 * @example
 * formatTable([["tenant", "entries"], ["1", "1,000"]], ["left", "right"])
 * // "tenant  entries\n1         1,000"
 */
export function formatTable(rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const width = widths[i] ?? 0;
          return align[i] === "right" ? cell.padStart(width) : cell.padEnd(width);
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `label  value` pairs with the values aligned, one per line (a table of two left-aligned columns). */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  return formatTable(fields);
}

/** A bigint-safe `JSON.stringify`: bigints become decimal strings (the protobuf JSON mapping for 64-bit integers). */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, item) => (typeof item === "bigint" ? item.toString() : item));
}
