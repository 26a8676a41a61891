// Live page data: run `refresh` whenever a service event arrives (coalesced: at most one
// refresh in flight and one waiting), and when the socket comes back after a cut.
import { useEffect } from "preact/hooks";
import { SERVICE_EVENTS } from "../api/queries";
import type { ServiceEvent } from "../api/types";
import { onSocketClosed, subscribe } from "../api/ws";

export function coalesce(run: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const go = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await run();
    } finally {
      running = false;
      if (again) {
        again = false;
        void go();
      }
    }
  };
  return () => void go();
}

export function useServiceEvents(serviceId: string | null, refresh: () => Promise<void>, onEvent?: (e: ServiceEvent) => void): void {
  useEffect(() => {
    const poke = coalesce(refresh);
    let stop = start();
    function start() {
      return subscribe<{ serviceEvents: ServiceEvent }>(SERVICE_EVENTS, { serviceId }, {
        next: (data) => {
          onEvent?.(data.serviceEvents);
          poke();
        },
      });
    }
    const off = onSocketClosed(() => {
      stop();
      stop = start();
      poke(); // what changed while the socket was down
    });
    return () => {
      off();
      stop();
    };
  }, [serviceId, refresh]);
}
