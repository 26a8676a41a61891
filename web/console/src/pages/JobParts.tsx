// The end of a job: what it changed; and the whole log as a text file.
import { gql } from "../api/http";
import type { JobDetail, LogLine } from "../api/types";

export function JobSummaryPanel({ job }: { job: JobDetail }) {
  return (
    <section aria-labelledby="summary-title" class="panel">
      <h2 id="summary-title">Change summary</h2>
      {job.summary ? (
        <p data-testid="job-summary">
          <span class="action action-create">{job.summary.add} to add</span>, <span class="action action-update">{job.summary.change} to change</span>,{" "}
          <span class="action action-delete">{job.summary.destroy} to destroy</span>
        </p>
      ) : <p class="muted">No change summary.</p>}
      {job.changes.length ? (
        <ul class="changes">{job.changes.map((c) => <li><code>{c.address}</code> <span class={`action action-${c.action}`}>{c.action}</span></li>)}</ul>
      ) : null}
    </section>
  );
}

const PAGE = 1000;
const LOGS = `query Logs($id: ID!, $from: Int!, $limit: Int!) { job(id: $id) { logs(fromLine: $from, limit: $limit) { number text } } }`;

/** The job's whole log, read page by page from the API, saved as a text file. */
export async function downloadLog(id: string): Promise<void> {
  const parts: string[] = [];
  for (let from = 0; ; from += PAGE) {
    const { job } = await gql<{ job: { logs: LogLine[] } }>(LOGS, { id, from, limit: PAGE });
    parts.push(...job.logs.map((l) => l.text));
    if (job.logs.length < PAGE) break;
  }
  const url = URL.createObjectURL(new Blob([parts.join("\n") + "\n"], { type: "text/plain" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = `job-${id}.log`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
