// The catalog: entries grouped by category, with icon, description, and where each can run here.
import { useMemo, useState } from "preact/hooks";
import { CATALOG } from "../api/queries";
import type { CatalogEntry, Category } from "../api/types";
import { Loading, Problem } from "../components/Problem";
import { useQuery } from "../lib/useQuery";

interface Answer {
  catalog: CatalogEntry[];
  catalogCategories: Category[];
}

export function CatalogPage() {
  const { data, error } = useQuery<Answer>(CATALOG);
  const [search, setSearch] = useState("");
  const groups = useMemo(() => group(data, search), [data, search]);
  return (
    <section aria-labelledby="catalog-title">
      <h1 id="catalog-title">Catalog</h1>
      <div class="toolbar">
        <label for="catalog-search">Search the catalog</label>
        <input id="catalog-search" type="search" value={search} placeholder="name or description" onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
      </div>
      <Problem error={error} />
      {!data && !error ? <Loading what="the catalog" /> : null}
      {data && groups.length === 0 ? <p class="muted">Nothing in the catalog matches “{search}”.</p> : null}
      {groups.map(([category, entries]) => (
        <section class="category" aria-labelledby={`category-${category.id}`}>
          <h2 id={`category-${category.id}`}>{category.name}</h2>
          <ul class="cards">
            {entries.map((entry) => (
              <EntryCard entry={entry} />
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}

function group(data: Answer | null, search: string): [Category, CatalogEntry[]][] {
  if (!data) return [];
  const needle = search.trim().toLowerCase();
  const wanted = data.catalog.filter((e) => !needle || `${e.name} ${e.description} ${e.id}`.toLowerCase().includes(needle));
  const order = [...data.catalogCategories];
  const found = new Map<string, CatalogEntry[]>();
  for (const entry of wanted) {
    const category = entry.category ?? { id: "other", name: "Other" };
    if (!order.some((c) => c.id === category.id)) order.push(category);
    found.set(category.id, [...(found.get(category.id) ?? []), entry]);
  }
  return order.filter((c) => found.has(c.id)).map((c) => [c, found.get(c.id)!]);
}

function EntryCard({ entry }: { entry: CatalogEntry }) {
  const anywhere = entry.targetAvailability.some((t) => t.available);
  return (
    <li class="card entry" data-entry={entry.id}>
      <div class="entry-head">
        {entry.iconUrl ? <img src={entry.iconUrl} alt="" width={40} height={40} class="icon" /> : <span class="icon placeholder" aria-hidden="true" />}
        <h3>{entry.name}</h3>
      </div>
      <p>{entry.description}</p>
      <ul class="targets" aria-label={`Targets of ${entry.name}`}>
        {entry.targetAvailability.map((t) => (
          <li class={t.available ? "available" : "unavailable"}>
            <span aria-hidden="true">{t.available ? "✓" : "✗"} </span>
            <strong>{t.target}</strong>
            <span class="visually-hidden">{t.available ? ": available" : ": not available"}</span>
            {t.available ? null : <span class="muted"> — {(t.reason ?? "not available here").replace(/^not available on this host: /, "")}</span>}
          </li>
        ))}
      </ul>
      {anywhere ? (
        <a class="button" href={`/deploy/${entry.id}`} aria-label={`Deploy ${entry.name}`}>
          Deploy
        </a>
      ) : (
        <span class="muted">Cannot run on this host yet</span>
      )}
    </li>
  );
}
