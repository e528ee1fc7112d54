/**
 * The gateway's `--help` text (`bun apps/gateway/src/main.ts --help`; `reflex gateway --help`
 * shows the same options under its own usage line). Flag, then env, then default.
 */
export const GATEWAY_USAGE = `reflex gateway: an OpenAI-compatible caching proxy over the Reflex store (exact and semantic tiers)

usage: bun apps/gateway/src/main.ts [options]
then:  export OPENAI_BASE_URL=http://127.0.0.1:8080/v1

upstream:
  --upstream URL            provider API base (REFLEX_UPSTREAM; default https://api.openai.com/v1)
  --upstream-timeout MS     to the upstream's response headers (REFLEX_UPSTREAM_TIMEOUT_MS; default 600000)

listening (the store server's flags, same meaning):
  --host H                  address to bind (REFLEX_HOST; default 127.0.0.1). Any other than loopback
                            needs --tokens (or --allow-network-pass-through), and TLS or --allow-plain-http
  --port P                  port, 0 for any (REFLEX_PORT; default 8080)
  --tls-cert FILE           PEM certificate (chain): serve https, needs --tls-key (REFLEX_TLS_CERT)
  --tls-key FILE            PEM private key of that certificate, unencrypted (REFLEX_TLS_KEY)
  --allow-plain-http        plain http on a non-loopback host, only behind a proxy that terminates TLS
                            (REFLEX_ALLOW_PLAIN_HTTP=1)

where the cache lives (one of):
  --root DIR                store root (REFLEX_ROOT; default ./reflex-data); one writer per root: the
                            gateway holds its lock, so a store server cannot write the same root
  --redis-cluster HOST:PORT,...  a Redis Cluster (REFLEX_REDIS_CLUSTER): several gateways share one cache
                            (give them the same --secret, or the same --tokens)

tenancy:
  --secret TEXT             HMAC key of tenant ids in pass-through mode, 16+ characters (REFLEX_GATEWAY_SECRET);
                            without it a random one per process (the cache is then lost at restart)
  --secret-file FILE        the same, read from a file (REFLEX_GATEWAY_SECRET_FILE)
  --tokens FILE             token-file mode: gateway tokens, one tenant each (REFLEX_GATEWAY_TOKENS)
  --upstream-key-file FILE  the key sent upstream in token-file mode (or REFLEX_UPSTREAM_KEY)
  --allow-anonymous         serve requests without a credential as tenant 0
  --allow-network-pass-through  bind a non-loopback host without --tokens: each client's own provider
                            key is its credential (TLS is still required, or --allow-plain-http)

caching:
  --no-cache-sampled        do not cache requests with temperature > 0 (or no temperature)
  --default-ttl SECONDS     time to live of stored answers, 0 = never (REFLEX_DEFAULT_TTL)
  --max-body SIZE           largest request body (REFLEX_MAX_BODY; default 16MiB)

semantic tiers (off without --embedding-model: the gateway is then exact-only):
  --embedding-model NAME    embed the semantic text with this model: L2 on (REFLEX_EMBEDDING_MODEL)
  --embedding-url URL       an OpenAI-compatible embeddings API base instead of the upstream's
                            (REFLEX_EMBEDDING_URL); its key: --embedding-key-file FILE or REFLEX_EMBEDDING_KEY
  --embedding-timeout MS    past it the request is exact-only (default 5000)
  --semantic-text last-user|conversation  what is embedded (REFLEX_SEMANTIC_TEXT; default last-user)
  --min-similarity X        default threshold of a semantic hit (REFLEX_MIN_SIMILARITY; default 0.95)
  --min-similarity-floor X  lowest X-Reflex-Min-Similarity a request may ask (default 0.85)
  --tenant-min-similarity FILE  per-tenant thresholds, JSON {"<tenant>": X} (0: exact-only)
  --rerank-url URL          L3: verify candidates with this /rerank endpoint (REFLEX_RERANK_URL)
  --rerank-model NAME       its model field (REFLEX_RERANK_MODEL); key: --rerank-key-file FILE or REFLEX_RERANK_KEY
  --rerank-threshold X      least relevance score served (REFLEX_RERANK_THRESHOLD; default 0.5)
  --rerank-timeout MS       past it the candidate is not served (default 2000)

logs and lifecycle:
  --log-format text|json    default: json unless stdout is a terminal
  --quiet                   no request lines
  --shutdown-timeout MS     wait for requests in flight on SIGTERM (default 30000)
  -h, --help

Request headers: Cache-Control: no-cache | no-store, X-Reflex-TTL: SECONDS,
  X-Reflex-Min-Similarity: X (0: exact-only), X-Reflex-Semantic: off.
Response headers: X-Reflex-Cache: hit | miss | bypass, X-Reflex-Tier: exact | semantic | semantic-verified,
  X-Reflex-Similarity (semantic hits), X-Reflex-Nearest (semantic misses), X-Reflex-Entry, Age, X-Request-Id.
`;
