// Status, drift and health as labelled badges (colour is never the only signal: the text says it).
const TONE: Record<string, string> = {
  DEPLOYED: "good", IN_SYNC: "good", HEALTHY: "good", SUCCEEDED: "good",
  DEPLOYING: "busy", DESTROYING: "busy", RUNNING: "busy", QUEUED: "busy",
  CHANGED: "warn", DRIFTED: "warn", CHECK_FAILED: "warn", CANCELED: "warn", INTERRUPTED: "warn",
  FAILED: "bad", BROKEN: "bad", UNHEALTHY: "bad",
};

export function Badge({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <span class={`badge tone-${TONE[value] ?? "plain"}`} data-testid={testId} title={`${label}: ${value}`}>
      <span class="visually-hidden">{label}: </span>
      {value.replace(/_/g, " ")}
    </span>
  );
}
