// The privacy views' trigger: triggerMatches gives exactly the matches of the TRIGGER regexp (the
// reference spelling of Python's TRIGGER_PATTERN), without V8's cubic backtracking on long runs of
// one letter case, which made scan() of a 2,000-letter word and a token take 12 s.
import { describe, expect, test } from "vitest";
import { scan } from "../src/privacy/scanner.js";
import { TRIGGER, triggerMatches } from "../src/privacy/views.js";

const native = (text: string): string[] => {
  TRIGGER.lastIndex = 0;
  return [...text.matchAll(TRIGGER)].map((match) => match[0]);
};

/** A seeded generator (mulberry32), so a failure names a reproducible text. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ["a", "b", "z", "A", "Q", "Z", "0", "7", "2", "f", "F", "+", "/", "_", "-", " ", "\t", "\n", "\r", "%", "%4", "%4a", "&", "&#", "&#65;", "&#x4F;", "&amp;", ";", "[", "{", "\\", "2a", "7F", "é", "😀", "abcde", "ABCDE", "aaaaaa", "QQQQQQ", "2a2a2a2a2a2a2a2a"];

describe("triggerMatches", () => {
  test("equals TRIGGER's matches on 20,000 seeded texts of every alternative's pieces", () => {
    const next = random(20261202);
    const differing: string[] = [];
    for (let count = 0; count < 20_000; count += 1) {
      const size = Math.floor(next() * 24);
      const text = Array.from({ length: size }, () => PIECES[Math.floor(next() * PIECES.length)]).join("");
      if (JSON.stringify([...triggerMatches(text)]) !== JSON.stringify(native(text))) differing.push(text);
    }
    expect(differing).toEqual([]);
  });

  test("long runs of one case and of both, with and without other triggers, give TRIGGER's matches", () => {
    for (const text of ["x".repeat(300), `${"x".repeat(300)} sk_live_abc`, `${"x".repeat(300)}A`, `A${"x".repeat(300)}`, `xxxxA${"y".repeat(300)}`, `${"2a".repeat(40)}z${"x".repeat(200)}B`, `%41${"q".repeat(200)}Q`]) {
      expect([...triggerMatches(text)]).toEqual(native(text));
    }
  });

  test("scan() of a 65,536-letter word before a token ends (cubic before: 12 s at 2,000 letters)", () => {
    const report = scan({ notes: `${"x".repeat(65_536)} sk_live_abc` });
    expect(report.findings).toEqual([]);
    expect(scan({ notes: `${"x".repeat(65_536)} sk_live_${"4eC39HqLyjWDarjtT1zdp7dc"}` }).findings.map((item) => item.rule_id)).toContain("stripe-secret-key");
  });
});
