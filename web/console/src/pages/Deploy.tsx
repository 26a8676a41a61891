// The deploy wizard: entry -> target -> form -> review -> create, then plan or apply.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, fieldProblems } from "../api/errors";
import { gql } from "../api/http";
import { APPLY, CATALOG, CREATE, PLAN } from "../api/queries";
import type { CatalogEntry } from "../api/types";
import { Loading, Problem } from "../components/Problem";
import { initialValues, toVariables, type Values } from "../lib/form";
import { navigate } from "../lib/router";
import { useQuery } from "../lib/useQuery";
import { FormStep, ReviewStep } from "./DeploySteps";

type Step = "entry" | "target" | "form" | "review";
const STEPS: [Step, string][] = [["entry", "Service"], ["target", "Target"], ["form", "Settings"], ["review", "Review"]];

export function DeployPage({ entryId, target: givenTarget }: { entryId?: string; target?: string }) {
  const { data, error } = useQuery<{ catalog: CatalogEntry[] }>(CATALOG);
  const entry = data?.catalog.find((e) => e.id === entryId) ?? null;
  const [target, setTarget] = useState(givenTarget ?? "");
  const [step, setStep] = useState<Step>(entryId ? (givenTarget ? "form" : "target") : "entry");
  const [name, setName] = useState("");
  const [values, setValues] = useState<Values>({});
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<string | null>(null); // created, its plan or apply refused
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (!entry) return;
    setValues(initialValues(entry.fields));
    if (!name) setName(`my-${entry.id}`);
    const usable = entry.targetAvailability.filter((t) => t.available);
    if (!target && usable.length) setTarget(usable[0]!.target);
  }, [entry?.id]);
  useEffect(() => heading.current?.focus(), [step]);
  useEffect(() => setStep(entryId ? (givenTarget ? "form" : "target") : "entry"), [entryId]);

  async function create(then: "plan" | "apply") {
    if (!entry) return;
    setBusy(true);
    setFailure(null);
    try {
      let id = created;
      if (!id) {
        const input = { catalogEntryId: entry.id, target, name, variables: toVariables(entry.fields, values) };
        id = (await gql<{ createService: { id: string } }>(CREATE, { input })).createService.id;
        setCreated(id);
      }
      const mutation = then === "plan" ? PLAN : APPLY;
      const answer = await gql<Record<string, { id: string }>>(mutation, { id });
      const job = Object.values(answer)[0]!;
      navigate(`/jobs/${job.id}`);
    } catch (problem) {
      const error = problem as ApiError;
      const found = error instanceof ApiError ? fieldProblems(error, [...entry.fields.map((f) => f.name), "name", "target"]) : {};
      setProblems(found);
      setFailure(error);
      setStep(found.target ? "target" : Object.keys(found).some((k) => k !== "") ? "form" : step);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="deploy-title">
      <h1 id="deploy-title">Deploy{entry ? ` ${entry.name}` : ""}</h1>
      <ol class="steps" aria-label="Steps">
        {STEPS.map(([id, label]) => (
          <li class={id === step ? "current" : ""} aria-current={id === step ? "step" : undefined}>
            {label}
          </li>
        ))}
      </ol>
      <Problem error={error} />
      {failure && step !== "review" && Object.keys(problems).every((k) => k !== "") ? (
        <p class="problem" role="alert">The service was not created: fix the fields marked below.</p>
      ) : (
        <Problem error={failure} />
      )}
      {!data && !error ? <Loading what="the catalog" /> : null}
      {data && step === "entry" ? <EntryStep entries={data.catalog} heading={heading} /> : null}
      {entry && step === "target" ? (
        <TargetStep entry={entry} target={target} setTarget={setTarget} error={problems.target} heading={heading} onNext={() => setStep("form")} />
      ) : null}
      {entry && step === "form" ? (
        <FormStep
          entry={entry}
          name={name}
          setName={setName}
          values={values}
          setValues={setValues}
          problems={problems}
          heading={heading}
          onBack={() => setStep("target")}
          onNext={() => setStep("review")}
        />
      ) : null}
      {entry && step === "review" ? (
        <ReviewStep entry={entry} target={target} name={name} values={values} busy={busy} heading={heading} onBack={() => setStep("form")} onCreate={create} />
      ) : null}
      {data && entryId && !entry ? <p class="problem" role="alert">No catalog entry “{entryId}”.</p> : null}
    </section>
  );
}

function EntryStep({ entries, heading }: { entries: CatalogEntry[]; heading: preact.RefObject<HTMLHeadingElement | null> }) {
  return (
    <div>
      <h2 tabIndex={-1} ref={heading}>Pick a service</h2>
      <ul class="cards compact">
        {entries.map((e) => (
          <li class="card">
            <a href={`/deploy/${e.id}`} class="entry-link">
              {e.iconUrl ? <img src={e.iconUrl} alt="" width={28} height={28} class="icon" /> : null}
              <strong>{e.name}</strong>
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

interface TargetProps {
  entry: CatalogEntry;
  target: string;
  setTarget: (t: string) => void;
  error?: string;
  heading: preact.RefObject<HTMLHeadingElement | null>;
  onNext: () => void;
}

function TargetStep({ entry, target, setTarget, error, heading, onNext }: TargetProps) {
  return (
    <form onSubmit={(e) => { e.preventDefault(); onNext(); }}>
      <h2 tabIndex={-1} ref={heading}>Where should it run?</h2>
      <fieldset aria-describedby={error ? "target-error" : undefined}>
        <legend>Target</legend>
        {entry.targetAvailability.map((t) => (
          <label class={`choice ${t.available ? "" : "disabled"}`}>
            <input type="radio" name="target" value={t.target} checked={target === t.target} disabled={!t.available} onChange={() => setTarget(t.target)} />
            <strong>{t.target}</strong>
            {t.available ? null : <span class="muted"> — {t.reason ?? "not available here"}</span>}
          </label>
        ))}
      </fieldset>
      {error ? <p class="field-error" id="target-error" role="alert">{error}</p> : null}
      <div class="actions">
        <a href="/deploy" class="button secondary">Back</a>
        <button type="submit" disabled={!target}>Next</button>
      </div>
    </form>
  );
}
