import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, tempDir, thrownBy } from "@reflex/testkit";
import { loadGatewayConfig } from "../config.ts";
import { DEFAULT_SEMANTIC_CONFIG } from "./semantic-config.ts";

afterEach(removeTempDirs);

describe("semantic flags", () => {
  test("off by default; flags and env set every field", () => {
    expect(loadGatewayConfig([], {}).semantic).toEqual(DEFAULT_SEMANTIC_CONFIG);
    expect(DEFAULT_SEMANTIC_CONFIG.embeddingModel).toBeUndefined();
    const dir = tempDir();
    writeFileSync(join(dir, "key"), "sk-embed\n");
    writeFileSync(join(dir, "tenants.json"), '{"42": 0.97, "7": 0}');
    const config = loadGatewayConfig(
      [
        "--embedding-model",
        "text-embedding-3-small",
        "--embedding-url",
        "http://127.0.0.1:9/v1",
        "--embedding-key-file",
        join(dir, "key"),
        "--semantic-text",
        "conversation",
        "--min-similarity",
        "0.93",
        "--min-similarity-floor",
        "0.9",
        "--tenant-min-similarity",
        join(dir, "tenants.json"),
        "--rerank-url",
        "http://127.0.0.1:9/rerank",
        "--rerank-threshold",
        "0.7",
        "--rerank-timeout",
        "500",
      ],
      { REFLEX_RERANK_MODEL: "bge-reranker", REFLEX_RERANK_KEY: "sk-rerank" },
    ).semantic;
    expect(config).toMatchObject({
      embeddingModel: "text-embedding-3-small",
      embeddingUrl: "http://127.0.0.1:9/v1",
      embeddingKey: "sk-embed",
      semanticText: "conversation",
      minSimilarity: 0.93,
      minSimilarityFloor: 0.9,
      rerankUrl: "http://127.0.0.1:9/rerank",
      rerankModel: "bge-reranker",
      rerankKey: "sk-rerank",
      rerankThreshold: 0.7,
      rerankTimeoutMs: 500,
    });
    expect(config.tenantMinSimilarity.get(42n)).toBe(0.97);
    expect(config.tenantMinSimilarity.get(7n)).toBe(0);
  });

  test("refuses bad values", () => {
    expect(thrownBy(() => loadGatewayConfig(["--min-similarity", "1.5"], {})).message).toContain("--min-similarity");
    expect(thrownBy(() => loadGatewayConfig(["--semantic-text", "all"], {})).message).toContain("--semantic-text");
    expect(thrownBy(() => loadGatewayConfig(["--embedding-url", "ftp://x"], {})).message).toContain("--embedding-url");
    expect(thrownBy(() => loadGatewayConfig(["--min-similarity", "0.8"], {})).message).toContain("floor");
    expect(thrownBy(() => loadGatewayConfig(["--rerank-timeout", "0"], {})).message).toContain("--rerank-timeout");
    const dir = tempDir();
    writeFileSync(join(dir, "t.json"), '{"x": 0.9}');
    expect(thrownBy(() => loadGatewayConfig(["--tenant-min-similarity", join(dir, "t.json")], {})).message).toContain(
      "tenant id",
    );
    writeFileSync(join(dir, "t.json"), '{"1": 2}');
    expect(thrownBy(() => loadGatewayConfig(["--tenant-min-similarity", join(dir, "t.json")], {})).message).toContain(
      "[0, 1]",
    );
  });
});
