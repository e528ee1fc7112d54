// Preloaded into Portkey's gateway (`bun --preload`, or `node --import`) by the bench: its
// server calls `listen(port)`, which binds every interface; this makes every listen of the
// process bind 127.0.0.1 only, so the bench stays on loopback.
import http from "node:http";
import net from "node:net";

for (const prototype of new Set([net.Server.prototype, http.Server.prototype])) {
  const listen = prototype.listen;
  prototype.listen = function listenOnLoopback(...args) {
    const callback = args.find((arg) => typeof arg === "function");
    if (typeof args[0] === "number" || typeof args[0] === "string") {
      return listen.call(this, { port: Number(args[0]), host: "127.0.0.1" }, callback);
    }
    if (typeof args[0] === "object" && args[0] !== null) args[0] = { ...args[0], host: "127.0.0.1" };
    return listen.apply(this, args);
  };
}
