// One service: status, actions, outputs, variables, drift, graph, jobs; live from serviceEvents.
import { useState } from "preact/hooks";
import { gql } from "../api/http";
import type { ApiError } from "../api/errors";
import { APPLY, CHECK_DRIFT, DELETE, DESTROY, PLAN, SERVICE } from "../api/queries";
import type { ServiceDetail } from "../api/types";
import { Badge } from "../components/Badge";
import { Graph } from "../components/Graph";
import { Loading, Problem } from "../components/Problem";
import { useServiceEvents } from "../lib/live";
import { navigate } from "../lib/router";
import { useQuery } from "../lib/useQuery";
import { EditService } from "./EditService";
import { DriftPanel, HistoryPanel, JobsTable, Outputs, VariablesTable } from "./ServiceParts";

export function ServicePage({ id }: { id: string }) {
  const { data, error, reload } = useQuery<{ service: ServiceDetail }>(SERVICE, { id });
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [editing, setEditing] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  useServiceEvents(id, reload);
  const service = data?.service;
  if (!service) return error ? <Problem error={error} /> : <Loading what="the service" />;

  async function act(mutation: string, ask?: string) {
    if (ask && !window.confirm(ask)) return;
    setFailure(null);
    try {
      const answer = await gql<Record<string, { id: string }>>(mutation, { id });
      if (mutation === DELETE) navigate("/");
      else if (mutation === CHECK_DRIFT) setNote("Drift check started: the verdict shows here when it is in.");
      else navigate(`/jobs/${Object.values(answer)[0]!.id}`);
    } catch (problem) {
      setFailure(problem as ApiError);
    }
  }

  return (
    <section aria-labelledby="service-title">
      <p class="crumbs"><a href="/">Services</a> / {service.catalogEntry.name}</p>
      <h1 id="service-title">{service.name}</h1>
      <p class="badges">
        <Badge label="Status" value={service.status} testId="status" />
        <Badge label="Drift" value={service.drift.status} testId="drift" />
        <Badge label="Health" value={service.health.status} testId="health" />
        <span class="muted">{service.target}</span>
        {service.pendingChanges ? <span class="note">Changes waiting for an apply</span> : null}
      </p>
      <div class="actions" role="group" aria-label="Actions">
        <button type="button" onClick={() => act(APPLY)}>{service.applied ? "Redeploy" : "Apply"}</button>
        <button type="button" class="secondary" onClick={() => act(PLAN)}>Plan</button>
        <button type="button" class="secondary" onClick={() => setEditing(!editing)} aria-expanded={editing}>Edit</button>
        <button type="button" class="secondary" onClick={() => act(CHECK_DRIFT)} disabled={!service.applied}>Check drift now</button>
        <button type="button" class="danger" onClick={() => act(DESTROY, `Destroy ${service.name}? Its resources are removed.`)}>Destroy</button>
        <button type="button" class="danger" onClick={() => act(DELETE, `Delete ${service.name} and its history?`)}>Delete</button>
      </div>
      <Problem error={failure} />
      {note ? <p role="status" class="muted">{note}</p> : null}
      {editing ? <EditService service={service} onDone={() => { setEditing(false); void reload(); }} /> : null}
      <div class="grid">
        <Outputs outputs={service.outputs} connection={service.connection} />
        <DriftPanel service={service} />
      </div>
      <VariablesTable service={service} onRevealed={reload} />
      <section aria-labelledby="graph-title" class="panel">
        <h2 id="graph-title">Resource graph</h2>
        {service.graph.nodes.length ? <Graph graph={service.graph} /> : <p class="muted">No resources yet: apply the service to see its graph.</p>}
      </section>
      <JobsTable jobs={service.jobs.edges.map((e) => e.node)} />
      <HistoryPanel history={service.history} />
    </section>
  );
}
