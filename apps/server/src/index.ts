/**
 * `@reflex/server`: the Reflex store HTTP API, Hono on `Bun.serve` over the core's `EntryStore`.
 *
 * @example
 * import { createApp } from "@reflex/server";
 * import { NvmeStorage } from "@reflex/core";
 * const app = createApp(new NvmeStorage("./reflex-data"));
 * Bun.serve({ hostname: "127.0.0.1", port: 8080, fetch: app.fetch });
 *
 * @example
 * import { loadConfig, startServer } from "@reflex/server";
 * const running = await startServer(loadConfig(Bun.argv.slice(2), process.env));
 */
export { type AppOptions, createApp, type ReflexApp } from "./app.ts";
export { ANONYMOUS_ADMIN, type Principal } from "./auth/principal.ts";
export { MIN_TOKEN_LENGTH, TokenFileError, TokenSet } from "./auth/token-set.ts";
export { type Binding, checkBinding, isLoopbackHost } from "./config/bind-policy.ts";
export {
  ConfigError,
  DEFAULT_CONFIG,
  loadConfig,
  RETENTION_BOUND_OPTIONS,
  type ServerConfig,
  USAGE,
} from "./config/config.ts";
export { parseByteSize } from "./config/config-values.ts";
export { readTlsFiles, TLS_OPTIONS, type TlsConfig, type TlsMaterial, tlsConfig } from "./config/tls.ts";
export { ApiError, type ApiErrorBody, type ApiErrorCode } from "./errors.ts";
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_PAYLOAD_BYTES } from "./middleware/body-limit.ts";
export {
  consoleLogger,
  createLogger,
  defaultLogFormat,
  LOG_FORMATS,
  type LogFormat,
  type Logger,
  type LogStreams,
  notice,
  type RequestRecord,
  silentLogger,
} from "./observe/logger.ts";
export { type MetricsSource, PROMETHEUS_CONTENT_TYPE, type ServerFigures, storeMetrics } from "./observe/metrics.ts";
export { REQUEST_ID_HEADER, requestIdOf } from "./observe/request-id.ts";
export {
  exitCodeOnSignal,
  type RunningServer,
  SERVER_LOCK_OWNER,
  type StartOptions,
  startServer,
} from "./server.ts";
