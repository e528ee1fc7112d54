import { describe, expect, test } from "bun:test";
import type { Flight } from "../cache/flight.ts";
import { f16Vector } from "./f16-vector.ts";
import { ParaphraseFlights } from "./paraphrase-flights.ts";

const flight = (name: string): Flight => ({
  kind: "whole",
  canonical: new TextEncoder().encode(name),
  answer: new Promise(() => {}),
});

describe("ParaphraseFlights", () => {
  test("finds the most similar leader at or above the threshold, in its tenant and context only", () => {
    const flights = new ParaphraseFlights();
    const near = flight("near");
    const nearer = flight("nearer");
    flights.lead(1n, 7n, f16Vector([1, 0.3, 0]), near, 10n);
    flights.lead(1n, 7n, f16Vector([2, 0.2, 0]), nearer, 11n); // length does not matter
    flights.lead(1n, 8n, f16Vector([1, 0, 0]), flight("other context"), 12n);
    flights.lead(2n, 7n, f16Vector([1, 0, 0]), flight("other tenant"), 13n);
    const found = flights.find(1n, 7n, f16Vector([1, 0, 0]), 0.9);
    expect(found?.flight).toBe(nearer);
    expect(found?.entryId).toBe(11n);
    expect(found?.similarity).toBeCloseTo(0.995, 3);
    expect(flights.find(1n, 7n, f16Vector([0, 1, 0]), 0.9)).toBeUndefined();
    expect(flights.find(1n, 9n, f16Vector([1, 0, 0]), 0.5)).toBeUndefined();
    expect(flights.find(1n, 7n, f16Vector([1, 0]), 0.5)).toBeUndefined(); // another dimension
    expect(flights.find(1n, 7n, f16Vector([0, 0, 0]), 0.5)).toBeUndefined(); // no direction
  });

  test("a forgotten leader is found no more, and an empty context is dropped", () => {
    const flights = new ParaphraseFlights();
    const forgetA = flights.lead(1n, 7n, f16Vector([1, 0]), flight("a"), 1n);
    const forgetB = flights.lead(1n, 7n, f16Vector([1, 0]), flight("b"), 2n);
    forgetA();
    expect(flights.find(1n, 7n, f16Vector([1, 0]), 0.9)?.entryId).toBe(2n);
    forgetB();
    forgetB();
    expect(flights.find(1n, 7n, f16Vector([1, 0]), 0.9)).toBeUndefined();
    expect(flights.scopes).toBe(0);
  });
});
