import { describe, expect, test } from "bun:test";
import { SingleFlight } from "./single-flight.ts";

describe("SingleFlight", () => {
  test("the first caller leads, the others join the same value until it is done", () => {
    const flights = new SingleFlight<{ n: number }>();
    let started = 0;
    const start = () => ({ n: ++started });
    const first = flights.join("k", start);
    const second = flights.join("k", start);
    expect(first.leader).toBe(true);
    expect(second.leader).toBe(false);
    expect(second.value).toBe(first.value);
    expect(flights.join("other", start).leader).toBe(true);
    expect(flights.size).toBe(2);
    flights.done("k", first.value);
    const third = flights.join("k", start);
    expect(third.leader).toBe(true);
    expect(third.value.n).toBe(3);
  });

  test("done with a stale value leaves the newer flight in place", () => {
    const flights = new SingleFlight<object>();
    const old = flights.join("k", () => ({})).value;
    flights.done("k", old);
    const fresh = flights.join("k", () => ({})).value;
    flights.done("k", old);
    expect(flights.join("k", () => ({})).value).toBe(fresh);
  });
});
