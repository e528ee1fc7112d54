import type { Principal } from "./principal.ts";

/** The Hono environment of the app: what middleware leaves on the context for handlers. */
export interface AppEnv {
  Variables: {
    /** Who made the request; set by the authentication middleware before any route runs. */
    principal: Principal;
  };
}
