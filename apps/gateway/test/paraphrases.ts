// The fake upstream's embedding space, shared by the fake (test/fake-upstream.ts) and the
// tests that need to know how close two texts are. Deterministic: a text of a paraphrase
// group embeds near the group's direction (how near: the group's spread); any other text
// embeds in a direction of its own, far from everything (cosine ~ N(0, 1/32)).

/** A group of texts that embed close together, and what the fake verifier says of them. */
export interface ParaphraseGroup {
  readonly texts: readonly string[];
  /** Noise scale around the group's direction: cosine between two texts ~ 1 / (1 + spread^2). */
  readonly spread: number;
  /** The fake rerank server's verdict on two texts of the group: `accept` 0.92, `reject` 0.03. */
  readonly verdict: "accept" | "reject";
}

/** The paraphrase groups (the tests pick texts from them). */
export const PARAPHRASES = {
  /** Close paraphrases (~0.98): a semantic hit at the default threshold. */
  capital: {
    texts: ["What is the capital of France?", "Tell me the capital city of France.", "france's capital?"],
    spread: 0.12,
    verdict: "accept",
  },
  /** Close paraphrases for the streaming and no-cache tests. */
  haiku: {
    texts: ["Write a haiku about autumn leaves.", "Compose a haiku on falling autumn leaves.", "autumn leaves haiku"],
    spread: 0.12,
    verdict: "accept",
  },
  /** Close, but a verifier says they ask different things (the classic false hit). */
  trap: {
    texts: ["How do I reverse a list in Python?", "How do I reverse a list in JavaScript?"],
    spread: 0.12,
    verdict: "reject",
  },
  /** Near (~0.9): below the default threshold, above a lowered one. */
  near: {
    texts: ["How tall is Mount Everest?", "What is the elevation of Everest's summit?"],
    spread: 0.33,
    verdict: "accept",
  },
  /** Related (~0.8): below any threshold the default floor allows. */
  related: {
    texts: ["Best pasta recipes for dinner", "Quick Italian dishes to cook tonight"],
    spread: 0.5,
    verdict: "accept",
  },
} as const satisfies Record<string, ParaphraseGroup>;

/**
 * Dimensions of the fake's vectors: 32, or `REFLEX_FAKE_EMBEDDING_DIMENSIONS` (the semantic bench
 * sets 768, a real model's size, in its own process and the fake upstream's it starts).
 */
export const FAKE_DIMENSIONS = fakeDimensions(process.env.REFLEX_FAKE_EMBEDDING_DIMENSIONS);

function fakeDimensions(text: string | undefined): number {
  if (text === undefined || text === "") return 32;
  const dimensions = Number(text);
  if (!Number.isInteger(dimensions) || dimensions < 2 || dimensions > 4096) {
    throw new Error(`REFLEX_FAKE_EMBEDDING_DIMENSIONS must be an integer from 2 to 4096, got ${JSON.stringify(text)}`);
  }
  return dimensions;
}

function groupOf(text: string): [string, ParaphraseGroup] | undefined {
  for (const [name, group] of Object.entries(PARAPHRASES) as [string, ParaphraseGroup][]) {
    if (group.texts.includes(text)) return [name, group];
  }
  return undefined;
}

/** A seeded vector of roughly unit-normal components (mulberry32, sum of uniforms). */
function seeded(seed: string): number[] {
  let state = Number(Bun.hash.wyhash(seed, 0n) & 0xffff_ffffn);
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: FAKE_DIMENSIONS }, () => next() + next() + next() - 1.5);
}

function unit(values: number[]): number[] {
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
  return values.map((v) => v / norm);
}

/** The fake embedding of `text` (unit length). */
export function fakeEmbedding(text: string): number[] {
  const found = groupOf(text);
  if (found === undefined) return unit(seeded(`text:${text}`));
  const [name, group] = found;
  const base = unit(seeded(`group:${name}`));
  const noise = unit(seeded(`text:${text}`));
  return unit(base.map((v, i) => v + group.spread * (noise[i] as number)));
}

/** The fake verifier's score of `document` against `query`. */
export function fakeRerankScore(query: string, document: string): number {
  if (query === document) return 1;
  const a = groupOf(query);
  const b = groupOf(document);
  if (a === undefined || b === undefined || a[0] !== b[0]) return 0.01;
  return a[1].verdict === "accept" ? 0.92 : 0.03;
}
