// Follow a job's log over jobLogBatches from `book.next`, and again from `book.next` whenever
// the socket closes or is replaced (api/live), so no line is lost or repeated. Returns the
// way to stop.
import type { ApiError } from "../api/errors";
import { live } from "../api/live";
import { JOB_LOGS } from "../api/queries";
import type { LogLine } from "../api/types";
import type { LogBook } from "./logbook";

export interface Follower {
  lines: () => void; // new lines are in the book
  ended: () => void; // the job ended: its log is complete
  failed: (error: ApiError) => void;
}

const FINAL_ERRORS = new Set(["NOT_FOUND", "FORBIDDEN", "BAD_USER_INPUT", "UNAUTHENTICATED"]);

export function follow(jobId: string, book: LogBook, on: Follower): () => void {
  const subscription = live<{ jobLogBatches: LogLine[] }>(JOB_LOGS, () => ({ jobId, fromLine: book.next }), {
    next: (data) => {
      if (book.add(data.jobLogBatches)) on.lines();
    },
    complete: () => on.ended(),
    // a slow follower is completed with a coded error: resume from where it was
    error: (error) => (FINAL_ERRORS.has(error.code) ? on.failed(error) : subscription.restart()),
  });
  return subscription.stop;
}
