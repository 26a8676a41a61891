import { beforeEach, describe, expect, it, vi } from "vitest";

// a fake of the console's own socket seam (api/ws): records each subscription, lets the test cut
interface Fake { variables: Record<string, unknown>; sink: { next: (d: unknown) => void; complete?: () => void }; stopped: boolean }
const subs: Fake[] = [];
const cuts = new Set<() => void>();
vi.mock("../api/ws", () => ({
  subscribe: (_q: string, variables: Record<string, unknown>, sink: Fake["sink"]) => {
    const fake: Fake = { variables, sink, stopped: false };
    subs.push(fake);
    return () => {
      fake.stopped = true;
      sink.complete?.(); // as graphql-ws does for a subscription released by its caller
    };
  },
  onSocketClosed: (cut: () => void) => {
    cuts.add(cut);
    return () => cuts.delete(cut);
  },
}));

const { follow } = await import("./follow");
const { LogBook } = await import("./logbook");
const batch = (from: number, to: number) => ({
  jobLogBatches: Array.from({ length: to - from }, (_, i) => ({ number: from + i, text: `l${from + i}` })),
});

describe("following a job's log", () => {
  beforeEach(() => {
    subs.length = 0;
    cuts.clear();
  });

  it("resubscribes from the next line after a cut, and only the job's end ends it", () => {
    const book = new LogBook();
    const ended = vi.fn();
    const stop = follow("job", book, { lines: () => {}, ended, failed: () => {} });
    expect(subs[0]!.variables).toEqual({ jobId: "job", fromLine: 0 });
    subs[0]!.sink.next(batch(0, 3));
    cuts.forEach((cut) => cut()); // the network went away
    expect(subs[0]!.stopped).toBe(true);
    expect(subs[1]!.variables).toEqual({ jobId: "job", fromLine: 3 });
    expect(ended).not.toHaveBeenCalled();
    subs[1]!.sink.next(batch(2, 6)); // a replay overlapping what was seen
    subs[1]!.sink.complete!();
    expect(ended).toHaveBeenCalledTimes(1);
    expect(book.lines.map((l) => l.number)).toEqual([0, 1, 2, 3, 4, 5]);
    stop();
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it("a pause (stop) is not the job's end", () => {
    const ended = vi.fn();
    const stop = follow("job", new LogBook(), { lines: () => {}, ended, failed: () => {} });
    stop();
    expect(ended).not.toHaveBeenCalled();
    expect(cuts.size).toBe(0);
  });
});
