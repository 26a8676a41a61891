// An error from the API, said where the person looks.
import type { ApiError } from "../api/errors";

export function Problem({ error }: { error: ApiError | Error | null | undefined }) {
  if (!error) return null;
  const code = "code" in error ? (error as ApiError).code : undefined;
  return (
    <p class="problem" role="alert">
      {code ? <strong>{code}: </strong> : null}
      {error.message}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}
