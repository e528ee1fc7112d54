import { describe, expect, test } from "bun:test";
import { Ledger, type LedgerSubscriber, type RemovedEntry, type WrittenEntry } from "./ledger.ts";

const written: WrittenEntry = {
  tenantId: 1n,
  entryId: 2n,
  entry: { tenantId: 1n, contextHash: 0n, timestamp: 0n, embedding: new Uint8Array(0), payloadBlob: new Uint8Array(0) },
  fileBytes: 40,
  replacedBytes: undefined,
  expiresAt: 0n,
};
const removed: RemovedEntry = { tenantId: 1n, entryId: 2n, fileBytes: 40, cause: "evicted" };

describe("Ledger", () => {
  test("every event reaches every subscriber that listens for it, in subscription order", () => {
    const heard: string[] = [];
    const full = (name: string): LedgerSubscriber => ({
      written: (e) => heard.push(`${name} written ${e.entryId}`),
      removed: (e) => heard.push(`${name} removed ${e.cause}`),
      vanished: (t, id) => heard.push(`${name} vanished ${t}/${id}`),
      accessed: (t, id) => heard.push(`${name} accessed ${t}/${id}`),
      tenantCreated: (t) => heard.push(`${name} created ${t}`),
      tenantRemoved: (t) => heard.push(`${name} dropped ${t}`),
    });
    const ledger = new Ledger();
    ledger.subscribe(full("a"));
    ledger.subscribe({ accessed: (t, id) => heard.push(`only-access ${t}/${id}`) });
    ledger.subscribe(full("b"));
    ledger.written(written);
    ledger.removed(removed);
    ledger.vanished(3n, 4n);
    ledger.accessed(5n, 6n);
    ledger.tenantCreated(7n);
    ledger.tenantRemoved(8n);
    expect(heard).toEqual([
      "a written 2",
      "b written 2",
      "a removed evicted",
      "b removed evicted",
      "a vanished 3/4",
      "b vanished 3/4",
      "a accessed 5/6",
      "only-access 5/6",
      "b accessed 5/6",
      "a created 7",
      "b created 7",
      "a dropped 8",
      "b dropped 8",
    ]);
  });

  test("every index subscriber hears an event before any policy subscriber, whatever the order of subscription", () => {
    const heard: string[] = [];
    const ledger = new Ledger();
    ledger.subscribe({ written: () => heard.push("retention") }, "policy");
    ledger.subscribe({ written: () => heard.push("cache") });
    ledger.subscribe({ written: () => heard.push("lookup") }, "index");
    ledger.written(written);
    expect(heard).toEqual(["cache", "lookup", "retention"]);
  });

  test("a subscriber that throws silences none after it; its error reaches the reporter once all have heard", () => {
    const heard: string[] = [];
    const ledger = new Ledger();
    ledger.subscribe({ removed: () => heard.push("first") });
    ledger.subscribe({
      removed: () => {
        throw new Error("index broke");
      },
    });
    ledger.subscribe({ removed: () => heard.push("third") });
    ledger.subscribe({ removed: () => heard.push("retention") }, "policy");
    expect(() => ledger.removed(removed)).toThrow("index broke");
    expect(heard).toEqual(["first", "third", "retention"]);
  });

  test("a subscriber's methods run with the subscriber as this", () => {
    class Counter implements LedgerSubscriber {
      count = 0;
      accessed(): void {
        this.count++;
      }
    }
    const counter = new Counter();
    const ledger = new Ledger();
    ledger.subscribe(counter);
    ledger.accessed(1n, 1n);
    ledger.accessed(1n, 2n);
    expect(counter.count).toBe(2);
  });

  test("an event raised while another is being told (an eviction inside a write) reaches everyone too", () => {
    const heard: string[] = [];
    const ledger = new Ledger();
    ledger.subscribe({ written: () => heard.push("cache written"), removed: () => heard.push("cache removed") });
    ledger.subscribe({ written: () => ledger.removed(removed) });
    ledger.written(written);
    expect(heard).toEqual(["cache written", "cache removed"]);
  });
});
