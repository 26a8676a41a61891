// Live page data: run `refresh` whenever a service event arrives (coalesced: at most one
// refresh in flight and one waiting), and when the subscription is made again after a cut.
import { useEffect, useRef } from "preact/hooks";
import { SERVICE_EVENTS } from "../api/queries";
import type { ServiceEvent } from "../api/types";
import { live } from "../api/live";

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
  const latest = useRef(refresh); // the page's current refresh (filters change it), one subscription
  latest.current = refresh;
  useEffect(() => {
    const poke = coalesce(() => latest.current());
    let first = true;
    const events = live<{ serviceEvents: ServiceEvent }>(SERVICE_EVENTS, () => {
      if (!first) poke(); // subscribed again after a cut: what changed meanwhile
      first = false;
      return { serviceId };
    }, {
      next: (data) => {
        onEvent?.(data.serviceEvents);
        poke();
      },
    });
    return events.stop;
  }, [serviceId]);
}
