// A subscription that survives its socket: when the socket closes (a network cut) or is
// replaced (a new token), it subscribes again with variables read anew (a log's `fromLine`).
// The subscription it replaced may still complete: that completion is not passed on.
import type { Variables } from "./http";
import { onSocketClosed, subscribe, type Subscriber } from "./ws";

export interface Live {
  stop: () => void;
  restart: () => void;
}

export function live<T>(query: string, variables: () => Variables, sink: Subscriber<T>): Live {
  let generation = 0;
  let stopped = false;
  let finished = false; // completed or failed: a later socket close does not bring it back
  let stop = start();
  function start(): () => void {
    const mine = ++generation;
    finished = false;
    const current = () => !stopped && mine === generation;
    return subscribe<T>(query, variables(), {
      next: (data) => current() && sink.next(data),
      error: (error) => {
        if (!current()) return;
        finished = true;
        sink.error?.(error);
      },
      complete: () => {
        if (!current()) return;
        finished = true;
        sink.complete?.();
      },
    });
  }
  function restart(): void {
    if (stopped) return;
    const old = stop;
    stop = start(); // the new generation first: the old one's completion is then ignored
    old();
  }
  const off = onSocketClosed(() => {
    if (!finished) restart();
  });
  return {
    stop: () => {
      stopped = true;
      off();
      stop();
    },
    restart,
  };
}
