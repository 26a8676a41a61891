// Every GraphQL document the console sends, in one place.
const FIELD = "name type required default options min max pattern description sensitive";
const ENTRY = `id name description iconUrl category { id name } targets
  targetAvailability { target available reason } fields { ${FIELD} }`;
const SUMMARY = `id name target status pendingChanges updatedAt outputs
  catalogEntry { id name iconUrl } drift { status checkedAt nextCheckAt } health { status }`;
const JOB = `id kind state phase progress { done total } summary { add change destroy } error
  cancelRequested forced createdAt startedAt finishedAt`;

export const ME = `query Me { me { tenantId subject admin } }`;

export const CATALOG = `query Catalog { catalog { ${ENTRY} } catalogCategories { id name } }`;

export const ENTRY_QUERY = `query Entry($id: ID!) { catalogEntry(id: $id) { ${ENTRY} } }`;

export const SERVICES = `query Services($first: Int!, $after: String, $filter: ServiceFilter) {
  services(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { ${SUMMARY} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const COUNTS = `query Counts { serviceCounts { total deployed drifted failed } }`;

export const SERVICE = `query Service($id: ID!) { service(id: $id) {
  ${SUMMARY} variables applied createdAt driftCheckInterval
  catalogEntry { ${ENTRY} }
  drift { status checkedAt nextCheckAt since error resources { address action } }
  health { status checkedAt latencyMs detail }
  history { kind old new at }
  jobs(first: 20) { edges { node { ${JOB} } } }
  graph { nodes { id label kind instances } edges { from to } }
  connection { name description value }
} }`;

export const JOB_QUERY = `query Job($id: ID!) { job(id: $id) {
  ${JOB} changes { address action } hasChanges exitCode planJobId service { id name status }
} }`;

export const CREATE = `mutation Create($input: CreateServiceInput!) { createService(input: $input) { id } }`;
export const UPDATE = `mutation Update($id: ID!, $input: UpdateServiceInput!) { updateService(id: $id, input: $input) { id } }`;
export const DELETE = `mutation Delete($id: ID!) { deleteService(id: $id) { id } }`;
export const REVEAL = `mutation Reveal($id: ID!, $field: String!) { revealSecret(id: $id, field: $field) }`;
export const PLAN = `mutation Plan($id: ID!) { planService(id: $id) { id } }`;
export const APPLY = `mutation Apply($id: ID!, $planJobId: ID) { applyService(id: $id, planJobId: $planJobId) { id } }`;
export const DESTROY = `mutation Destroy($id: ID!) { destroyService(id: $id) { id } }`;
export const CHECK_DRIFT = `mutation CheckDrift($id: ID!) { checkDrift(id: $id) { id } }`;
export const CANCEL = `mutation Cancel($id: ID!, $force: Boolean!) { cancelJob(id: $id, force: $force) { id cancelRequested } }`;

export const SERVICE_EVENTS = `subscription Events($serviceId: ID) {
  serviceEvents(serviceId: $serviceId) { serviceId kind old new at jobId }
}`;

export const JOB_UPDATES = `subscription JobUpdates($jobId: ID!) { jobUpdates(jobId: $jobId) {
  ${JOB} changes { address action } hasChanges exitCode planJobId
} }`;

export const JOB_LOGS = `subscription JobLogs($jobId: ID!, $fromLine: Int!) {
  jobLogBatches(jobId: $jobId, fromLine: $fromLine, maxLines: 500) { number text }
}`;
