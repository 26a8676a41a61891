// A job's log as the viewer holds it: lines in order by number, each once, whatever a
// reconnect replays; `next` is the `fromLine` to resume from. Bounded: past `limit` lines the
// oldest are dropped (the download reads the whole log from the API).
import type { LogLine } from "../api/types";

export class LogBook {
  lines: LogLine[] = [];
  next = 0;
  dropped = 0;

  constructor(readonly limit = 20_000) {}

  /** Add a batch; returns how many lines were new. A line past a gap is refused (kept for the replay). */
  add(batch: readonly LogLine[]): number {
    let added = 0;
    for (const line of batch) {
      if (line.number !== this.next) continue; // a repeat (< next) or a gap (> next): never shown
      this.lines.push(line);
      this.next += 1;
      added += 1;
    }
    if (this.lines.length > this.limit) {
      const cut = this.lines.length - this.limit;
      this.lines = this.lines.slice(cut);
      this.dropped += cut;
    }
    return added;
  }

  text(): string {
    return this.lines.map((line) => line.text).join("\n") + (this.lines.length ? "\n" : "");
  }
}
