/**
 * JSON text of a parsed JSON value with every object's keys in code-unit order, so two
 * requests that differ only in key order have the same text. Arrays keep their order
 * (message order matters). Numbers print as `JSON.stringify` prints them (`1.0` and `1`
 * alike), strings with its escaping.
 *
 * @example stableJson({ b: 1, a: [2, { d: 3, c: 4 }] }) // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let text = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ",";
      text += stableJson(value[i]);
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let text = "{";
  let first = true;
  for (const key of keys) {
    const field = record[key];
    if (field === undefined) continue;
    if (!first) text += ",";
    first = false;
    text += `${JSON.stringify(key)}:${stableJson(field)}`;
  }
  return `${text}}`;
}
