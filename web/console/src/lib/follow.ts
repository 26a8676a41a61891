// Follow a job's log over jobLogBatches: from `book.next`, and again from `book.next` after the
// socket closed (a network cut), so no line is lost or repeated. Returns the way to stop.
import { JOB_LOGS } from "../api/queries";
import type { LogLine } from "../api/types";
import { onSocketClosed, subscribe } from "../api/ws";
import type { ApiError } from "../api/errors";
import type { LogBook } from "./logbook";

export interface Follower {
  lines: () => void; // new lines are in the book
  ended: () => void; // the job ended: its log is complete
  failed: (error: ApiError) => void;
}

export function follow(jobId: string, book: LogBook, on: Follower): () => void {
  let done = false;
  let generation = 0; // a subscription we stopped (to restart, or for good) completes too: not the job's end
  let stop = start();
  function start(): () => void {
    const mine = ++generation;
    const current = () => !done && mine === generation;
    return subscribe<{ jobLogBatches: LogLine[] }>(JOB_LOGS, { jobId, fromLine: book.next }, {
      next: (data) => {
        if (current() && book.add(data.jobLogBatches)) on.lines();
      },
      complete: () => {
        if (!current()) return;
        done = true;
        on.ended();
      },
      error: (error) => {
        if (!current()) return;
        // a slow follower is completed with a coded error: resume from where it was
        if (error.code !== "NOT_FOUND" && error.code !== "FORBIDDEN" && error.code !== "BAD_USER_INPUT") restart();
        else on.failed(error);
      },
    });
  }
  function restart() {
    const old = stop;
    stop = start(); // the new generation first: the old one's completion is then ignored
    old();
  }
  const off = onSocketClosed(() => {
    if (!done) restart();
  });
  return () => {
    done = true;
    off();
    stop();
  };
}
