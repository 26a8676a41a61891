// A small history router: paths are the console's pages, SpawnIt answers each with index.html.
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "dashboard" }
  | { page: "catalog" }
  | { page: "deploy"; entryId?: string; target?: string }
  | { page: "service"; id: string }
  | { page: "job"; id: string }
  | { page: "callback" }
  | { page: "missing"; path: string };

const UUID = "([0-9a-fA-F-]{36})";

export function parse(path: string, search = ""): Route {
  const query = new URLSearchParams(search);
  if (path === "/" || path === "") return { page: "dashboard" };
  if (path === "/catalog") return { page: "catalog" };
  if (path === "/auth/callback") return { page: "callback" };
  const deploy = /^\/deploy(?:\/([\w.-]+))?$/.exec(path);
  if (deploy) return { page: "deploy", entryId: deploy[1], target: query.get("target") ?? undefined };
  const service = new RegExp(`^/services/${UUID}$`).exec(path);
  if (service) return { page: "service", id: service[1]! };
  const job = new RegExp(`^/jobs/${UUID}$`).exec(path);
  if (job) return { page: "job", id: job[1]! };
  return { page: "missing", path };
}

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  listeners.forEach((listener) => listener());
  window.scrollTo?.(0, 0);
}

export function useRoute(): Route {
  const read = () => parse(location.pathname, location.search);
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const update = () => setRoute(read());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return route;
}

/** A same-origin link click handled by the router (new tabs and modified clicks left alone). */
export function linkClick(event: MouseEvent): void {
  const anchor = (event.target as Element | null)?.closest?.("a");
  if (!anchor || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || anchor.target) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/graphql") || anchor.hasAttribute("download")) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}
