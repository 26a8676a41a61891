// The wizard's form (fields generated from the entry's types) and its review.
import type { CatalogEntry } from "../api/types";
import { FieldInput } from "../components/FieldInput";
import type { Values } from "../lib/form";

interface FormProps {
  entry: CatalogEntry;
  name: string;
  setName: (n: string) => void;
  values: Values;
  setValues: (v: Values) => void;
  problems: Record<string, string>;
  heading: preact.RefObject<HTMLHeadingElement | null>;
  onBack: () => void;
  onNext: () => void;
}

export function FormStep({ entry, name, setName, values, setValues, problems, heading, onBack, onNext }: FormProps) {
  return (
    <form noValidate onSubmit={(e) => { e.preventDefault(); onNext(); }}>
      <h2 tabIndex={-1} ref={heading}>Settings</h2>
      <div class={`field ${problems.name ? "has-error" : ""}`} data-field="name">
        <label for="field-service-name">Service name <span aria-hidden="true">*</span></label>
        <input id="field-service-name" value={name} aria-invalid={problems.name ? "true" : undefined} aria-describedby={problems.name ? "name-error" : undefined} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        {problems.name ? <p class="field-error" id="name-error" role="alert">{problems.name}</p> : null}
      </div>
      {entry.fields.map((field) => (
        <FieldInput field={field} value={values[field.name] ?? ""} error={problems[field.name]} onChange={(v) => setValues({ ...values, [field.name]: v })} />
      ))}
      <div class="actions">
        <button type="button" class="secondary" onClick={onBack}>Back</button>
        <button type="submit">Review</button>
      </div>
    </form>
  );
}

interface ReviewProps {
  entry: CatalogEntry;
  target: string;
  name: string;
  values: Values;
  busy: boolean;
  heading: preact.RefObject<HTMLHeadingElement | null>;
  onBack: () => void;
  onCreate: (then: "plan" | "apply") => void;
}

export function ReviewStep({ entry, target, name, values, busy, heading, onBack, onCreate }: ReviewProps) {
  return (
    <div>
      <h2 tabIndex={-1} ref={heading}>Review</h2>
      <table class="kv">
        <tbody>
          <tr><th scope="row">Service</th><td>{entry.name}</td></tr>
          <tr><th scope="row">Target</th><td>{target}</td></tr>
          <tr><th scope="row">Name</th><td>{name}</td></tr>
          {entry.fields.map((f) => (
            <tr><th scope="row">{f.name}</th><td>{shown(f.sensitive, values[f.name])}</td></tr>
          ))}
        </tbody>
      </table>
      <p class="muted">Plan first to see what the engine will add, change and destroy, then apply exactly that plan; or apply at once.</p>
      <div class="actions">
        <button type="button" class="secondary" onClick={onBack} disabled={busy}>Back</button>
        <button type="button" class="secondary" onClick={() => onCreate("plan")} disabled={busy}>Create and plan</button>
        <button type="button" onClick={() => onCreate("apply")} disabled={busy}>Create and apply</button>
      </div>
    </div>
  );
}

function shown(sensitive: boolean, value: Values[string] | undefined): string {
  if (sensitive) return value ? "•••••••• (set)" : "(empty: SpawnIt decides)";
  if (Array.isArray(value)) return value.filter(Boolean).join(", ") || "(none)";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return value === undefined || value === "" ? "(default)" : value;
}
