import { randomBytes } from "node:crypto";
import type { EntryStore } from "@reflex/core";
import { createLogger, defaultLogFormat, type Logger, notice, readTlsFiles, TokenSet } from "@reflex/server";
import { HttpMetrics, ProcessMetrics } from "@reflex/stats";
import { createGatewayApp, type GatewayApp } from "./app.ts";
import { checkGatewayBinding } from "./bind-policy.ts";
import { ExactCache } from "./cache/exact-cache.ts";
import { SingleFlight } from "./cache/single-flight.ts";
import type { GatewayConfig } from "./config.ts";
import type { GatewayDeps } from "./gateway-deps.ts";
import { GatewayMetrics } from "./observe/gateway-metrics.ts";
import { requestLog } from "./observe/request-log.ts";
import { openGatewayStore } from "./open-store.ts";
import { semanticParts } from "./semantic/semantic-parts.ts";
import { passThroughTenancy, type Tenancy, tokenFileTenancy } from "./tenancy/tenancy.ts";
import { UpstreamClient } from "./upstream/upstream-client.ts";

/** Options of {@link startGateway} beyond the config. */
export interface StartGatewayOptions {
  /** Where notices, errors and request lines go. Default: stdout/stderr in `config.logFormat`. */
  readonly logger?: Logger;
  /** The store to use instead of the one `config` names (closed by `shutdown()`). */
  readonly store?: EntryStore;
  /** Where request lines go (when `config.requestLog`). Default: stdout. */
  readonly requestLines?: (line: string) => void;
}

/** A gateway that {@link startGateway} started. */
export interface RunningGateway {
  /** Where it listens, with the real port (`http://127.0.0.1:41234`, `https://...` with TLS); clients use `<url>/v1`. */
  readonly url: string;
  readonly app: GatewayApp;
  readonly store: EntryStore;
  /** Every part, shared (tests read the metrics and wait on the cache's writes). */
  readonly deps: GatewayDeps;
  /**
   * Stops accepting, waits for requests in flight and the cache writes they started (up to
   * `config.shutdownTimeoutMs`), then closes the store. Idempotent; true when nothing was cut.
   */
  shutdown(): Promise<boolean>;
}

/** Bun's own body cap out of the way: the gateway answers an oversized body itself, in OpenAI's shape. */
const BUN_MAX_REQUEST_BODY = Number.MAX_SAFE_INTEGER;

/**
 * Checks the binding (config/bind-policy.ts) and reads the TLS files, opens the store (on
 * `config.redisCluster`, else under `config.root`, holding its writer lock: the store server
 * cannot open the same root for writing at the same time), builds the tenancy, the upstream
 * client, the cache and the metrics, and serves the gateway app on `Bun.serve` (https with
 * `config.tls`).
 *
 * @example
 * const gateway = await startGateway(loadGatewayConfig(Bun.argv.slice(2), process.env));
 * console.log(`export OPENAI_BASE_URL=${gateway.url}/v1`);
 */
export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger(config.logFormat ?? defaultLogFormat(process.stdout.isTTY));
  const plainHttpOnNetwork = checkGatewayBinding(config);
  const tls = config.tls === undefined ? undefined : readTlsFiles(config.tls);
  for (const warning of tls?.warnings ?? []) notice(logger, `reflex-gateway: ${warning}`);
  const tenancy = makeTenancy(config, logger);
  if (plainHttpOnNetwork) {
    notice(logger, `reflex-gateway: plain http on ${config.host}: only safe behind a proxy that terminates TLS`);
  }
  const store = options.store ?? (await openGatewayStore(config));
  const metrics = new GatewayMetrics();
  const http = new HttpMetrics();
  const processMetrics = new ProcessMetrics();
  const deps: GatewayDeps = {
    tenancy,
    upstream: new UpstreamClient({ baseUrl: config.upstream, timeoutMs: config.upstreamTimeoutMs }),
    cache: new ExactCache(store, {
      onStoreError: (error, operation) => {
        metrics.storeError(operation);
        logger.error(`reflex-gateway: store ${operation} failed`, error);
      },
    }),
    flights: new SingleFlight(),
    semantic: semanticParts(config.semantic, {
      store,
      metrics,
      logger,
      upstream: config.upstream,
      ttlSeconds: config.defaultTtlSeconds,
    }),
    metrics,
    policy: {
      cacheSampled: config.cacheSampled,
      defaultTtlSeconds: config.defaultTtlSeconds,
      maxBodyBytes: config.maxBodyBytes,
    },
    logger,
    http,
    process: processMetrics,
  };
  const format = config.logFormat ?? defaultLogFormat(process.stdout.isTTY);
  const write = options.requestLines ?? ((line: string) => process.stdout.write(line));
  const log = config.requestLog ? requestLog(format, write) : undefined;
  const app = createGatewayApp(deps, { requestLog: log });
  let server: Bun.Server<undefined>;
  try {
    server = Bun.serve({
      hostname: config.host,
      port: config.port,
      maxRequestBodySize: BUN_MAX_REQUEST_BODY,
      ...(tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key } }),
      // Long streams: no idle cut while an upstream thinks (Bun's maximum).
      idleTimeout: 255,
      fetch: app.fetch,
    });
  } catch (error) {
    processMetrics.stop();
    store.close();
    throw error;
  }
  let stopping: Promise<boolean> | undefined;
  const shutdown = (): Promise<boolean> => {
    stopping ??= (async () => {
      let timer: Timer | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), config.shutdownTimeoutMs);
      });
      const drained = await Promise.race([
        server
          .stop(false)
          .then(() => deps.cache.settled())
          .then(() => deps.semantic?.tier.settled())
          .then(() => true as const),
        timedOut,
      ]);
      clearTimeout(timer);
      if (!drained) await server.stop(true);
      processMetrics.stop();
      store.close();
      return drained;
    })();
    return stopping;
  };
  return { url: server.url.origin, app, store, deps, shutdown };
}

function makeTenancy(config: GatewayConfig, logger: Logger): Tenancy {
  if (config.tokensFile !== undefined) {
    if (config.upstreamKey === undefined) {
      notice(logger, "reflex-gateway: token-file mode without an upstream key: requests go upstream without one");
    }
    return tokenFileTenancy({
      tokens: TokenSet.fromFile(config.tokensFile),
      upstreamKey: config.upstreamKey,
      allowAnonymous: config.allowAnonymous,
    });
  }
  let secret = config.secret;
  if (secret === undefined) {
    notice(
      logger,
      "reflex-gateway: no --secret: tenant ids are keyed by a random secret of this process (the cache lasts until it stops)",
    );
    secret = randomBytes(32);
  }
  return passThroughTenancy({ secret, allowAnonymous: config.allowAnonymous });
}
