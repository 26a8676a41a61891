import { describe, expect, it } from "vitest";
import { LogBook } from "./logbook";

const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ number: from + i, text: `line ${from + i}` }));

describe("LogBook", () => {
  it("keeps each line once across a replay after a reconnect", () => {
    const book = new LogBook();
    expect(book.add(lines(0, 5))).toBe(5);
    expect(book.add(lines(3, 8))).toBe(3); // the server replayed from an older line
    expect(book.lines.map((l) => l.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(book.next).toBe(8);
  });

  it("never shows a line past a gap", () => {
    const book = new LogBook();
    book.add(lines(0, 2));
    expect(book.add(lines(4, 6))).toBe(0);
    expect(book.next).toBe(2);
  });

  it("is bounded, and the text is the lines kept", () => {
    const book = new LogBook(3);
    book.add(lines(0, 5));
    expect(book.lines.map((l) => l.number)).toEqual([2, 3, 4]);
    expect(book.dropped).toBe(2);
    expect(book.text()).toBe("line 2\nline 3\nline 4\n");
  });
});
