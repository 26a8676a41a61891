// One typed field of a catalog entry's form: the right control, its label, help and error.
import type { CatalogField } from "../api/types";
import { boundsHint, canGenerate, generate, type Value } from "../lib/form";

interface Props {
  field: CatalogField;
  value: Value;
  error?: string;
  editing?: boolean; // a sensitive field left empty keeps its current value
  onChange: (value: Value) => void;
}

export function FieldInput({ field, value, error, editing, onChange }: Props) {
  const id = `field-${field.name}`;
  const help = `${id}-help`;
  const problem = `${id}-error`;
  const described = [help, error ? problem : ""].filter(Boolean).join(" ");
  const common = {
    id,
    name: field.name,
    "aria-describedby": described,
    "aria-invalid": error ? ("true" as const) : undefined,
    "aria-required": field.required ? ("true" as const) : undefined,
  };
  const bounds = boundsHint(field);
  const said = field.max != null && field.description.includes(String(field.max)); // the text gives them already
  const hint = [said ? "" : bounds, field.default != null && field.default !== "" && !field.sensitive ? `default ${JSON.stringify(field.default)}` : ""]
    .filter(Boolean)
    .join(" · ");
  return (
    <div class={`field ${error ? "has-error" : ""}`} data-field={field.name}>
      <label for={id}>
        {field.name}
        {field.required ? <span aria-hidden="true"> *</span> : null}
        {field.sensitive ? <span class="muted"> (secret)</span> : null}
      </label>
      {control(field, value, onChange, common, editing)}
      <p class="help" id={help}>
        {field.description}
        {hint ? <span class="muted"> ({hint})</span> : null}
      </p>
      {error ? (
        <p class="field-error" id={problem} role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function control(
  field: CatalogField,
  value: Value,
  onChange: (value: Value) => void,
  common: Record<string, unknown>,
  editing?: boolean,
) {
  const text = (event: Event) => onChange((event.target as HTMLInputElement).value);
  switch (field.type) {
    case "BOOLEAN":
      return <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange((e.target as HTMLInputElement).checked)} />;
    case "ENUM":
      return (
        <select {...common} value={String(value)} onChange={text}>
          {field.required ? null : <option value="">—</option>}
          {(field.options ?? []).map((option) => (
            <option value={option}>{option}</option>
          ))}
        </select>
      );
    case "LIST_OF_STRINGS":
      return (
        <textarea
          {...common}
          rows={3}
          value={(value as string[]).join("\n")}
          placeholder="one per line"
          onInput={(e) => onChange((e.target as HTMLTextAreaElement).value.split("\n"))}
        />
      );
    case "NUMBER":
    case "INTEGER":
      return <input {...common} type="text" inputMode={field.type === "INTEGER" ? "numeric" : "decimal"} value={String(value)} onInput={text} />;
    default:
      if (field.sensitive) return <Secret field={field} value={String(value)} common={common} editing={editing} onChange={onChange} />;
      return <input {...common} type="text" value={String(value)} onInput={text} />;
  }
}

function Secret({ field, value, common, editing, onChange }: { field: CatalogField; value: string; common: Record<string, unknown>; editing?: boolean; onChange: (v: Value) => void }) {
  return (
    <div class="secret">
      <input
        {...common}
        type="password"
        autoComplete="new-password"
        value={value}
        placeholder={editing ? "unchanged" : field.required ? "" : "empty: SpawnIt decides"}
        onInput={(e) => onChange((e.target as HTMLInputElement).value)}
      />
      {canGenerate(field) ? (
        <button type="button" class="secondary" onClick={() => onChange(generate(field))} aria-label={`Generate ${field.name} for me`}>
          Generate for me
        </button>
      ) : null}
    </div>
  );
}
