// The live log viewer: lines as they arrive, progress, phase, pause/follow, download, cancel.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql } from "../api/http";
import type { ApiError } from "../api/errors";
import { APPLY, CANCEL, JOB_QUERY, JOB_UPDATES } from "../api/queries";
import type { JobDetail } from "../api/types";
import { live } from "../api/live";
import { Badge } from "../components/Badge";
import { Loading, Problem } from "../components/Problem";
import { follow } from "../lib/follow";
import { LogBook } from "../lib/logbook";
import { navigate } from "../lib/router";
import { useQuery } from "../lib/useQuery";
import { JobSummaryPanel, downloadLog } from "./JobParts";

const FINAL = new Set(["SUCCEEDED", "FAILED", "CANCELED", "INTERRUPTED"]);

export function JobPage({ id }: { id: string }) {
  const { data, error } = useQuery<{ job: JobDetail }>(JOB_QUERY, { id });
  const [job, setJob] = useState<JobDetail | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  useEffect(() => setJob(data?.job ?? null), [data]);
  useEffect(() => {
    const updates = live<{ jobUpdates: Omit<JobDetail, "service"> }>(JOB_UPDATES, () => ({ jobId: id }), {
      next: (update) => setJob((old) => (old ? { ...old, ...update.jobUpdates } : old)),
    });
    return updates.stop;
  }, [id]);
  if (!job) return error ? <Problem error={error} /> : <Loading what="the job" />;

  const running = !FINAL.has(job.state);
  async function cancel(force: boolean) {
    try {
      await gql(CANCEL, { id, force });
    } catch (problem) {
      setFailure(problem as ApiError);
    }
  }
  async function applyPlan() {
    try {
      const { applyService } = await gql<{ applyService: { id: string } }>(APPLY, { id: job!.service.id, planJobId: id });
      navigate(`/jobs/${applyService.id}`);
    } catch (problem) {
      setFailure(problem as ApiError);
    }
  }
  const { done, total } = job.progress;
  return (
    <section aria-labelledby="job-title">
      <p class="crumbs"><a href="/">Services</a> / <a href={`/services/${job.service.id}`}>{job.service.name}</a></p>
      <h1 id="job-title">{job.kind.replace("_", " ").toLowerCase()} job</h1>
      <p class="badges">
        <Badge label="State" value={job.state} testId="job-state" />
        {job.phase ? <span data-testid="job-phase">Phase: {job.phase}</span> : null}
        {job.forced ? <span class="note">forced</span> : null}
      </p>
      <div class="progress-row">
        <label for="job-progress">Progress</label>
        <progress id="job-progress" data-testid="job-progress" max={Math.max(total, 1)} value={done} aria-valuetext={`${done} of ${total} resources`} />
        <span>{done} / {total}</span>
      </div>
      <div class="actions" role="group" aria-label="Job actions">
        {running ? <button type="button" class="danger" onClick={() => cancel(false)} disabled={job.cancelRequested}>Cancel</button> : null}
        {running && job.cancelRequested ? <button type="button" class="danger" onClick={() => cancel(true)}>Force cancel</button> : null}
        {job.kind === "PLAN" && job.state === "SUCCEEDED" ? <button type="button" onClick={applyPlan}>Apply this plan</button> : null}
        <button type="button" class="secondary" onClick={() => downloadLog(id)}>Download log</button>
      </div>
      <Problem error={failure} />
      {job.error ? <p class="problem" role="alert">{job.error}</p> : null}
      {!running ? <JobSummaryPanel job={job} /> : null}
      <LogViewer jobId={id} />
    </section>
  );
}

function LogViewer({ jobId }: { jobId: string }) {
  const book = useRef(new LogBook());
  const [, setCount] = useState(0);
  const [paused, setPaused] = useState(false);
  const [following, setFollowing] = useState(true);
  const [ended, setEnded] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const pane = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (paused || ended) return;
    return follow(jobId, book.current, {
      lines: () => setCount(book.current.next),
      ended: () => setEnded(true),
      failed: setError,
    });
  }, [jobId, paused, ended]);
  useEffect(() => {
    if (following && pane.current) pane.current.scrollTop = pane.current.scrollHeight;
  });
  const lines = book.current.lines;
  return (
    <section aria-labelledby="log-title" class="panel">
      <h2 id="log-title">Log</h2>
      <div class="actions" role="group" aria-label="Log controls">
        <button type="button" class="secondary" aria-pressed={paused} onClick={() => setPaused(!paused)} disabled={ended}>{paused ? "Resume" : "Pause"}</button>
        <button type="button" class="secondary" aria-pressed={following} onClick={() => setFollowing(!following)}>{following ? "Stop following" : "Follow"}</button>
        <span class="muted" data-testid="log-count">{book.current.next} lines{ended ? " · complete" : paused ? " · paused" : " · live"}</span>
      </div>
      <Problem error={error} />
      <pre class="log" ref={pane} role="log" aria-live="polite" aria-label="Job log" tabIndex={0} data-testid="log">
        {book.current.dropped ? `… ${book.current.dropped} earlier lines (download for all)\n` : ""}
        {lines.map((l) => <span class="line" data-line={l.number}>{l.text}{"\n"}</span>)}
      </pre>
    </section>
  );
}
