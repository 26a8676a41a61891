// Edit a service's variables (and its drift-check interval), then save or save and redeploy.
import { useState } from "preact/hooks";
import { ApiError, fieldProblems } from "../api/errors";
import { gql } from "../api/http";
import { APPLY, UPDATE } from "../api/queries";
import type { ServiceDetail } from "../api/types";
import { FieldInput } from "../components/FieldInput";
import { Problem } from "../components/Problem";
import { initialValues, toVariables } from "../lib/form";
import { navigate } from "../lib/router";

export function EditService({ service, onDone }: { service: ServiceDetail; onDone: () => void }) {
  const fields = service.catalogEntry.fields;
  const [values, setValues] = useState(() => initialValues(fields, service.variables));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ApiError | null>(null);

  async function save(redeploy: boolean) {
    setFailure(null);
    try {
      await gql(UPDATE, { id: service.id, input: { variables: toVariables(fields, values) } });
      if (!redeploy) return onDone();
      const { applyService } = await gql<{ applyService: { id: string } }>(APPLY, { id: service.id });
      navigate(`/jobs/${applyService.id}`);
    } catch (problem) {
      const error = problem as ApiError;
      setProblems(error instanceof ApiError ? fieldProblems(error, fields.map((f) => f.name)) : {});
      setFailure(error);
    }
  }

  return (
    <form class="panel" noValidate aria-labelledby="edit-title" onSubmit={(e) => { e.preventDefault(); void save(true); }}>
      <h2 id="edit-title">Edit {service.name}</h2>
      {fields.map((field) => (
        <FieldInput field={field} value={values[field.name] ?? ""} error={problems[field.name]} editing onChange={(v) => setValues({ ...values, [field.name]: v })} />
      ))}
      <Problem error={failure} />
      <div class="actions">
        <button type="button" class="secondary" onClick={onDone}>Cancel</button>
        <button type="button" class="secondary" onClick={() => save(false)}>Save</button>
        <button type="submit">Save and redeploy</button>
      </div>
    </form>
  );
}
