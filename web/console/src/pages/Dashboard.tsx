// The tenant's services: counts, search and filters, pages, badges updated live (serviceEvents).
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { gql } from "../api/http";
import type { ApiError } from "../api/errors";
import { CATALOG, COUNTS, SERVICES } from "../api/queries";
import { STATUSES, type CatalogEntry, type ServiceSummary } from "../api/types";
import { Badge } from "../components/Badge";
import { Loading, Problem } from "../components/Problem";
import { isUrl, when } from "../lib/format";
import { useServiceEvents } from "../lib/live";
import { useQuery } from "../lib/useQuery";

const PAGE = 20;

interface Page {
  totalCount: number;
  edges: { cursor: string; node: ServiceSummary }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

interface Counts {
  total: number;
  deployed: number;
  drifted: number;
  failed: number;
}

export function DashboardPage() {
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState("");
  const [entry, setEntry] = useState("");
  const [cursors, setCursors] = useState<(string | null)[]>([null]); // the `after` of each page seen
  const [page, setPage] = useState<Page | null>(null);
  const [counts, setCounts] = useState<Counts | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const catalog = useQuery<{ catalog: CatalogEntry[] }>(CATALOG);
  const after = cursors[cursors.length - 1] ?? null;

  const asked = useRef(0); // answers to an older question (a search typed since) are dropped
  const refresh = useCallback(async () => {
    const filter = { status: status ? [status] : null, catalogEntryId: entry || null, search: search.trim() || null };
    const mine = ++asked.current;
    try {
      const [list, tally] = await Promise.all([
        gql<{ services: Page }>(SERVICES, { first: PAGE, after, filter }),
        gql<{ serviceCounts: Counts }>(COUNTS),
      ]);
      if (mine !== asked.current) return;
      setPage(list.services);
      setCounts(tally.serviceCounts);
      setError(null);
    } catch (problem) {
      if (mine === asked.current) setError(problem as ApiError);
    }
  }, [status, entry, search, after]);

  useEffect(() => void refresh(), [refresh]);
  useEffect(() => setCursors([null]), [status, entry, search]);
  useServiceEvents(null, refresh);

  return (
    <section aria-labelledby="dashboard-title">
      <h1 id="dashboard-title">Services</h1>
      <CountsBar counts={counts} />
      <form class="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <label for="service-search">Search</label>
        <input id="service-search" type="search" value={search} placeholder="name" onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        <label for="status-filter">Status</label>
        <select id="status-filter" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
          <option value="">any</option>
          {STATUSES.map((s) => <option value={s}>{s}</option>)}
        </select>
        <label for="entry-filter">Service</label>
        <select id="entry-filter" value={entry} onChange={(e) => setEntry((e.target as HTMLSelectElement).value)}>
          <option value="">any</option>
          {(catalog.data?.catalog ?? []).map((c) => <option value={c.id}>{c.name}</option>)}
        </select>
        <a class="button" href="/deploy">Deploy a service</a>
      </form>
      <Problem error={error} />
      {!page && !error ? <Loading what="your services" /> : null}
      {page ? <ServiceTable services={page.edges.map((e) => e.node)} /> : null}
      {page ? (
        <nav class="pager" aria-label="Pages of services">
          <button type="button" class="secondary" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
          <span>Page {cursors.length} · {page.totalCount} in all</span>
          <button type="button" class="secondary" disabled={!page.pageInfo.hasNextPage} onClick={() => setCursors([...cursors, page.pageInfo.endCursor])}>Next page</button>
        </nav>
      ) : null}
    </section>
  );
}

function CountsBar({ counts }: { counts: Counts | null }) {
  const items: [string, keyof Counts][] = [["Total", "total"], ["Deployed", "deployed"], ["Drifted", "drifted"], ["Failed", "failed"]];
  return (
    <dl class="counts" aria-label="Counts">
      {items.map(([label, key]) => (
        <div class={`count count-${key}`}>
          <dt>{label}</dt>
          <dd data-testid={`count-${key}`}>{counts ? counts[key] : "…"}</dd>
        </div>
      ))}
    </dl>
  );
}

function ServiceTable({ services }: { services: ServiceSummary[] }) {
  if (!services.length) return <p class="muted">No services yet. <a href="/catalog">Pick one from the catalog.</a></p>;
  return (
    <div class="table-wrap">
      <table class="services">
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Service</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col">Drift</th><th scope="col">Health</th><th scope="col">Endpoint</th><th scope="col">Updated</th></tr>
        </thead>
        <tbody>
          {services.map((s) => (
            <tr data-service={s.id}>
              <td><a href={`/services/${s.id}`}>{s.name}</a></td>
              <td>{s.catalogEntry.iconUrl ? <img src={s.catalogEntry.iconUrl} alt="" width={18} height={18} class="icon inline" /> : null}{s.catalogEntry.name}</td>
              <td>{s.target}</td>
              <td><Badge label="Status" value={s.status} testId="status" /></td>
              <td><Badge label="Drift" value={s.drift.status} testId="drift" /></td>
              <td><Badge label="Health" value={s.health.status} testId="health" /></td>
              <td>{isUrl(s.outputs?.endpoint) ? <a href={s.outputs.endpoint as string} target="_blank" rel="noopener noreferrer">{s.outputs.endpoint as string}</a> : "—"}</td>
              <td>{when(s.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
