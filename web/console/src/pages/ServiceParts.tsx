// The service page's panels: outputs, variables (masked, reveal behind a confirmation), drift, jobs.
import { useState } from "preact/hooks";
import { gql } from "../api/http";
import type { ApiError } from "../api/errors";
import { REVEAL } from "../api/queries";
import type { JobSummary, ServiceDetail } from "../api/types";
import { Badge } from "../components/Badge";
import { Problem } from "../components/Problem";
import { isUrl, when } from "../lib/format";

export function Outputs({ outputs, connection }: { outputs: Record<string, unknown>; connection: ServiceDetail["connection"] }) {
  const entries = Object.entries(outputs ?? {});
  return (
    <section aria-labelledby="outputs-title" class="panel">
      <h2 id="outputs-title">Outputs</h2>
      {entries.length === 0 ? <p class="muted">None yet: outputs appear after an apply.</p> : (
        <table class="kv"><tbody>
          {entries.map(([key, value]) => (
            <tr><th scope="row">{key}</th><td>{isUrl(value) ? <a href={value} target="_blank" rel="noopener noreferrer" data-testid={`output-${key}`}>{value}</a> : <code>{typeof value === "string" ? value : JSON.stringify(value)}</code>}</td></tr>
          ))}
        </tbody></table>
      )}
      {connection.length ? (
        <>
          <h3>Connect</h3>
          <table class="kv"><tbody>
            {connection.map((c) => (
              <tr><th scope="row" title={c.description}>{c.name}</th><td>{isUrl(c.value) ? <a href={c.value} target="_blank" rel="noopener noreferrer">{c.value}</a> : <code>{c.value}</code>}</td></tr>
            ))}
          </tbody></table>
        </>
      ) : null}
    </section>
  );
}

export function VariablesTable({ service, onRevealed }: { service: ServiceDetail; onRevealed: () => void }) {
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const sensitive = new Set(service.catalogEntry.fields.filter((f) => f.sensitive).map((f) => f.name));
  async function reveal(field: string) {
    if (!window.confirm(`Reveal ${field}? The reveal is recorded in the service's history.`)) return;
    try {
      const answer = await gql<{ revealSecret: string }>(REVEAL, { id: service.id, field });
      setRevealed({ ...revealed, [field]: answer.revealSecret });
      onRevealed();
    } catch (problem) {
      setError(problem as ApiError);
    }
  }
  return (
    <section aria-labelledby="variables-title" class="panel">
      <h2 id="variables-title">Variables</h2>
      <Problem error={error} />
      <table class="kv"><tbody>
        {Object.entries(service.variables ?? {}).map(([key, value]) => (
          <tr>
            <th scope="row">{key}</th>
            <td>
              <code data-testid={`variable-${key}`}>{revealed[key] ?? (typeof value === "string" ? value : JSON.stringify(value))}</code>
              {sensitive.has(key) && revealed[key] === undefined ? (
                <button type="button" class="link" onClick={() => reveal(key)} aria-label={`Reveal ${key}`}>Reveal</button>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody></table>
    </section>
  );
}

export function DriftPanel({ service }: { service: ServiceDetail }) {
  const { drift, health } = service;
  return (
    <section aria-labelledby="drift-title" class="panel">
      <h2 id="drift-title">Drift and health</h2>
      <table class="kv"><tbody>
        <tr><th scope="row">Drift</th><td><Badge label="Drift" value={drift.status} />{drift.since ? <span class="muted"> since {when(drift.since)}</span> : null}</td></tr>
        <tr><th scope="row">Last check</th><td>{when(drift.checkedAt)}</td></tr>
        <tr><th scope="row">Next check</th><td data-testid="next-check">{service.driftCheckInterval === 0 ? "not watched" : when(drift.nextCheckAt)}</td></tr>
        <tr><th scope="row">Health</th><td><Badge label="Health" value={health.status} />{health.latencyMs != null ? <span class="muted"> {Math.round(health.latencyMs)} ms</span> : null}{health.detail ? <span class="muted"> {health.detail}</span> : null}</td></tr>
      </tbody></table>
      {drift.error ? <p class="problem">{drift.error}</p> : null}
      {drift.resources.length ? (
        <>
          <h3>What changed</h3>
          <ul class="changes" data-testid="drift-resources">
            {drift.resources.map((r) => <li><code>{r.address}</code> <span class={`action action-${r.action}`}>{r.action}</span></li>)}
          </ul>
        </>
      ) : null}
    </section>
  );
}

export function JobsTable({ jobs }: { jobs: JobSummary[] }) {
  return (
    <section aria-labelledby="jobs-title" class="panel">
      <h2 id="jobs-title">Jobs</h2>
      {jobs.length === 0 ? <p class="muted">No job yet.</p> : (
        <div class="table-wrap"><table>
          <thead><tr><th scope="col">Job</th><th scope="col">State</th><th scope="col">Changes</th><th scope="col">Started</th><th scope="col">Finished</th></tr></thead>
          <tbody>
            {jobs.map((j) => (
              <tr>
                <td><a href={`/jobs/${j.id}`}>{j.kind.replace("_", " ").toLowerCase()}</a></td>
                <td><Badge label="State" value={j.state} /></td>
                <td>{j.summary ? `+${j.summary.add} ~${j.summary.change} −${j.summary.destroy}` : "—"}</td>
                <td>{when(j.startedAt ?? j.createdAt)}</td>
                <td>{when(j.finishedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
    </section>
  );
}

export function HistoryPanel({ history }: { history: ServiceDetail["history"] }) {
  if (!history.length) return null;
  const said: Record<string, string> = { DRIFT: "drift", HEALTH: "health", SECRET_REVEALED: "secret revealed" };
  return (
    <section aria-labelledby="history-title" class="panel">
      <h2 id="history-title">History</h2>
      <ul class="changes" data-testid="history">
        {[...history].reverse().map((h) => (
          <li>
            {when(h.at)}: <strong>{said[h.kind] ?? h.kind}</strong> {h.kind === "SECRET_REVEALED" ? h.new : `${h.old ?? "—"} → ${h.new}`}
          </li>
        ))}
      </ul>
    </section>
  );
}
