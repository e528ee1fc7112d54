/** A flag or env value that does not parse, or a configuration the server refuses to start with. */
export class ConfigError extends Error {
  override readonly name = "ReflexConfigError";
}
