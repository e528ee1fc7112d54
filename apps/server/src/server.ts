import { type EntryStore, NvmeStorage } from "@reflex/core";
import { RedisClusterStore, type ShardReplicaChange } from "@reflex/redis-cluster";
import { HttpMetrics, OperationMetrics, ProcessMetrics } from "@reflex/stats";
import { createApp, errorReporter, type ReflexApp } from "./app.ts";
import { TokenSet } from "./auth/token-set.ts";
import { checkBinding } from "./config/bind-policy.ts";
import type { ServerConfig } from "./config/config.ts";
import { readTlsFiles } from "./config/tls.ts";
import { errorBody } from "./errors.ts";
import { fastRoutes } from "./fast-routes/fast-routes.ts";
import { createLogger, defaultLogFormat, type Logger, notice } from "./observe/logger.ts";
import { type MetricsSource, storeMetrics } from "./observe/metrics.ts";
import { RequestObserver } from "./observe/request-observer.ts";

/** Options of {@link startServer} beyond the config. */
export interface StartOptions {
  /**
   * Where request lines, notices and errors go. Default: stdout/stderr in `config.logFormat`
   * (request lines only when `config.requestLog`).
   */
  readonly logger?: Logger;
  /** Source of `/metrics`; default the store's operation metrics and gauges, HTTP, process and build figures. */
  readonly metrics?: MetricsSource;
}

/** A server that `startServer` started. */
export interface RunningServer {
  /** Where it listens, with the real port (e.g. `http://127.0.0.1:41234`, `https://...` with TLS). */
  readonly url: string;
  /** The `Bun.serve` server. */
  readonly server: Bun.Server<undefined>;
  /** The Hono app it serves. */
  readonly app: ReflexApp;
  /** The store: an `NvmeStorage` under `config.root`, or a `RedisClusterStore` with `config.redisCluster`; closed by `shutdown()`. */
  readonly store: EntryStore;
  /** The store's operation metrics (what `/metrics` and `/v1/stats` report). */
  readonly operations: OperationMetrics;
  /** Requests answered, by method, route template and status class (on `/metrics`). */
  readonly http: HttpMetrics;
  /** The logger the server writes to (lifecycle notices of the caller belong there too). */
  readonly logger: Logger;
  /** Requests in flight (Bun's `pendingRequests`: not answered yet, or still sending). */
  readonly inFlight: number;
  /**
   * Stops accepting connections, waits for in-flight requests (writes included) to
   * finish, up to `config.shutdownTimeoutMs`, then closes the store. Idempotent.
   * Resolves to true when everything finished, false when the timeout cut it short.
   */
  shutdown(): Promise<boolean>;
  /**
   * Reads the token file again (what SIGHUP does): true when the new tokens are in
   * force, false when the file was bad and the old ones stay (the reason is logged).
   * False, too, when the server has no token file.
   */
  reloadTokens(): boolean;
}

/** How the server names itself in the root's lock file (`reflex` tells a user to use the API then). */
export const SERVER_LOCK_OWNER = "the reflex server";

/**
 * Bun's own request body cap, set out of the way. Bun checks a declared Content-Length
 * against it before the app runs and answers a bare 413 with no body: not the API's JSON
 * error, and ahead of auth and routing. The app enforces the body limit itself (PUT reads
 * through `readBodyLimited`: a declared length over the limit is refused at once, a streamed
 * body as soon as it passes it), and Bun discards the unread body of any other request
 * without buffering it.
 */
const BUN_MAX_REQUEST_BODY = Number.MAX_SAFE_INTEGER;

/** The log notice of a cluster shard losing its last online replica, or having one again. */
export function replicaChangeNotice(change: ShardReplicaChange): string {
  const shard = `reflex: redis cluster shard of slots ${change.shard} (master ${change.master})`;
  if (!change.replicaLost) return `${shard} has an online replica again: writes to it are replicated again`;
  return change.whenReplicaLost === "accept"
    ? `${shard} has no online replica: writes to it are stored on its master alone (X-Reflex-Durability: master-only) until one is back`
    : `${shard} has no online replica: writes to it are refused (503 degraded) until one is back ` +
        "(--redis-when-replica-lost accept would store them on the master alone)";
}

/**
 * The store of `config`: on the Redis Cluster of `config.redisCluster` (connected, its
 * namespace's K read; a shard losing or regaining its replica is logged), else under
 * `config.root` (created when missing), holding the root's writer lock, with the lookup
 * index built in the background from the start so the first search finds it ready.
 */
async function openStore(config: ServerConfig, operations: OperationMetrics, logger: Logger): Promise<EntryStore> {
  // The options both backends take in one shape (config refused size bounds on a cluster already).
  const shared = {
    recorder: operations,
    retention: config.retention,
    lookup: config.lookupMaxBytes === undefined ? {} : { maxBytes: config.lookupMaxBytes },
  };
  if (config.redisCluster !== undefined) {
    return RedisClusterStore.open({
      nodes: config.redisCluster,
      ...shared,
      ...config.changeLog,
      ...(config.whenReplicaLost === undefined ? {} : { whenReplicaLost: config.whenReplicaLost }),
      onReplicaChange: (change) => notice(logger, replicaChangeNotice(change)),
    });
  }
  const store = new NvmeStorage(config.root, {
    ...shared,
    lockOwner: SERVER_LOCK_OWNER,
    ...(config.maxEntryBytes === undefined ? {} : { maxEntryBytes: config.maxEntryBytes }),
    lookup: { ...shared.lookup, build: "open" },
  });
  store.ensureStoragePath();
  return store;
}

/**
 * Opens the store (at `config.root`, creating it, or on `config.redisCluster`), loads the
 * token file and the TLS files, and serves the app with `Bun.serve` (https with `config.tls`).
 * Refuses a non-loopback host without tokens, and without TLS unless `config.allowPlainHttp`
 * (see config/bind-policy.ts). With a token file, SIGHUP reloads it (keeping the old tokens if the new file is bad).
 * Used by `src/main.ts` and by `reflex serve`.
 *
 * @example
 * const running = await startServer(loadConfig(Bun.argv.slice(2), process.env));
 * console.log(`reflex listening on ${running.url}`);
 * process.on("SIGTERM", async () => process.exit((await running.shutdown()) ? 0 : 1));
 */
export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logFormat ?? defaultLogFormat(process.stdout.isTTY));
  const tokens = config.tokensFile === undefined ? undefined : TokenSet.fromFile(config.tokensFile);
  const plainHttpOnNetwork = checkBinding({
    host: config.host,
    tokens: tokens !== undefined,
    tls: config.tls !== undefined,
    allowPlainHttp: config.allowPlainHttp === true,
  });
  const tls = config.tls === undefined ? undefined : readTlsFiles(config.tls);
  for (const warning of tls?.warnings ?? []) notice(logger, `reflex: ${warning}`);
  const operations = new OperationMetrics();
  const store = await openStore(config, operations, logger);
  if (tokens === undefined) {
    notice(logger, `reflex: no tokens configured (REFLEX_TOKENS): auth is off, serving loopback ${config.host} only`);
  }
  if (plainHttpOnNetwork) {
    notice(
      logger,
      `reflex: plain http on ${config.host} (--allow-plain-http): only safe behind a proxy that terminates TLS`,
    );
  }
  const http = new HttpMetrics();
  // Samples the event loop every 10 ms: only when its figures are served.
  const processMetrics = options.metrics === undefined ? new ProcessMetrics() : undefined;
  const app = createApp(store, {
    tokens,
    maxBodyBytes: config.maxBodyBytes,
    metrics:
      options.metrics ??
      storeMetrics(store, operations, { http, ...(processMetrics ? { process: processMetrics } : {}) }),
    operations,
    logger,
  });
  const observer = new RequestObserver({ http, logger, logRequests: config.requestLog });

  let server: Bun.Server<undefined>;
  try {
    server = Bun.serve({
      hostname: config.host,
      port: config.port,
      maxRequestBodySize: BUN_MAX_REQUEST_BODY,
      ...(tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key } }),
      // The hot entry routes skip Hono (see fast-routes/fast-routes.ts); the observer sees every request.
      routes: fastRoutes({ app, store, tokens, report: errorReporter(logger), observer }),
      // No async wrapper here: awaiting Hono's promise cost ~4 us of CPU per request under load (profiled).
      fetch: (request, bunServer) => {
        const note = observer.begin(request);
        return observer.settle(note, request, app.fetch(request, { server: bunServer, note }));
      },
      error(error) {
        logger.error("reflex: unhandled server error", error);
        return Response.json(errorBody("internal_error", "internal server error"), { status: 500 });
      },
    });
  } catch (error) {
    processMetrics?.stop();
    store.close(); // gives the root's writer lock back
    throw error;
  }

  const reloadTokens = (): boolean => {
    if (tokens === undefined || config.tokensFile === undefined) return false;
    try {
      const count = tokens.reloadFrom(config.tokensFile);
      notice(logger, `reflex: reloaded ${count} token(s) from ${config.tokensFile}`);
      return true;
    } catch (error) {
      logger.error(
        `reflex: token file not reloaded, keeping the ${tokens.size} token(s) in force: ${(error as Error).message}`,
      );
      return false;
    }
  };
  const onHangup = () => {
    reloadTokens();
  };
  if (tokens !== undefined) process.on("SIGHUP", onHangup);

  let stopping: Promise<boolean> | undefined;
  const shutdown = (): Promise<boolean> => {
    stopping ??= (async () => {
      let timer: Timer | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), config.shutdownTimeoutMs);
      });
      const drained = await Promise.race([server.stop(false).then(() => true as const), timedOut]);
      clearTimeout(timer);
      if (!drained) await server.stop(true);
      store.close();
      processMetrics?.stop();
      process.off("SIGHUP", onHangup);
      return drained;
    })();
    return stopping;
  };

  const url = server.url.origin;
  return {
    url,
    server,
    app,
    store,
    operations,
    http,
    logger,
    get inFlight() {
      return server.pendingRequests;
    },
    shutdown,
    reloadTokens,
  };
}

/**
 * Shuts `running` down on the first SIGTERM or SIGINT (stop accepting, finish in-flight
 * requests) and resolves with the exit code: 0 when everything finished, 1 when the
 * shutdown timeout cut requests short. A second signal exits at once with 130. Installs
 * its handlers before it returns: only then announce the server.
 */
export function exitCodeOnSignal(running: RunningServer, log: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        log(`reflex: ${signal} again, exiting now`);
        process.exit(130);
      }
      log(`reflex: ${signal}, finishing ${running.inFlight} in-flight request(s)`);
      running.shutdown().then((drained) => {
        log(drained ? "reflex: stopped" : "reflex: shutdown timed out, in-flight requests cut");
        resolve(drained ? 0 : 1);
      });
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
