// The shapes of the API's answers the console reads (schema/schema.graphql).
export type FieldType = "STRING" | "NUMBER" | "INTEGER" | "BOOLEAN" | "ENUM" | "LIST_OF_STRINGS";

export interface CatalogField {
  name: string;
  type: FieldType;
  required: boolean;
  default: unknown;
  options: string[] | null;
  min: number | null;
  max: number | null;
  pattern: string | null;
  description: string;
  sensitive: boolean;
}

export interface TargetAvailability {
  target: string;
  available: boolean;
  reason: string | null;
}

export interface Category {
  id: string;
  name: string;
}

export interface CatalogEntry {
  id: string;
  name: string;
  description: string;
  iconUrl: string | null;
  category: Category | null;
  targets: string[];
  targetAvailability: TargetAvailability[];
  fields: CatalogField[];
}

export type ServiceStatus =
  | "DRAFT"
  | "DEPLOYING"
  | "DEPLOYED"
  | "DESTROYING"
  | "DESTROYED"
  | "FAILED"
  | "DRIFTED"
  | "CHANGED"
  | "BROKEN";

export const STATUSES: ServiceStatus[] = [
  "DRAFT",
  "DEPLOYING",
  "DEPLOYED",
  "CHANGED",
  "DRIFTED",
  "FAILED",
  "DESTROYING",
  "DESTROYED",
  "BROKEN",
];

export interface ResourceChange {
  address: string;
  action: string;
}

export interface ServiceSummary {
  id: string;
  name: string;
  target: string;
  status: ServiceStatus;
  pendingChanges: boolean;
  updatedAt: string;
  catalogEntry: { id: string; name: string; iconUrl: string | null };
  drift: { status: string; checkedAt: string | null; nextCheckAt: string | null };
  health: { status: string };
  outputs: Record<string, unknown>;
}

export interface JobSummary {
  id: string;
  kind: string;
  state: string;
  phase: string | null;
  progress: { done: number; total: number };
  summary: { add: number; change: number; destroy: number } | null;
  error: string | null;
  cancelRequested: boolean;
  forced: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface GraphNode {
  id: string;
  label: string;
  kind: string; // RESOURCE, DATA, PROVIDER, MODULE, VARIABLE, LOCAL, OUTPUT, OTHER
  instances?: number | null;
}

export interface ServiceDetail extends ServiceSummary {
  variables: Record<string, unknown>;
  applied: boolean;
  createdAt: string;
  driftCheckInterval: number | null;
  catalogEntry: CatalogEntry;
  drift: ServiceSummary["drift"] & { since: string | null; error: string | null; resources: ResourceChange[] };
  health: { status: string; checkedAt: string | null; latencyMs: number | null; detail: string | null };
  history: { kind: string; old: string | null; new: string; at: string }[];
  jobs: { edges: { node: JobSummary }[] };
  graph: { nodes: GraphNode[]; edges: { from: string; to: string }[] };
  connection: { name: string; description: string; value: string }[];
}

export interface JobDetail extends JobSummary {
  changes: ResourceChange[];
  hasChanges: boolean | null;
  exitCode: number | null;
  planJobId: string | null;
  service: { id: string; name: string; status: ServiceStatus };
}

export interface LogLine {
  number: number;
  text: string;
}

export interface ServiceEvent {
  serviceId: string;
  kind: "DRIFT" | "HEALTH" | "JOB";
  old: string | null;
  new: string;
  at: string;
  jobId: string | null;
}
