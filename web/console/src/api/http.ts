// Queries and mutations over HTTP POST /graphql, the bearer token on each when signed in.
import { ApiError, type GraphQLErrorShape } from "./errors";

export type Variables = Record<string, unknown>;
type TokenSource = () => Promise<string | null>;

let tokenSource: TokenSource = async () => null;
let onUnauthenticated: () => void = () => {};

export function useTokens(source: TokenSource, unauthenticated: () => void): void {
  tokenSource = source;
  onUnauthenticated = unauthenticated;
}

export async function currentToken(): Promise<string | null> {
  return tokenSource();
}

export async function gql<T>(query: string, variables: Variables = {}): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  const token = await tokenSource();
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  } catch {
    throw new ApiError([{ message: "SpawnIt cannot be reached", extensions: { code: "UNAVAILABLE" } }]);
  }
  const body = (await response.json().catch(() => null)) as { data?: T; errors?: GraphQLErrorShape[] } | null;
  if (!body) throw new ApiError([{ message: `SpawnIt answered ${response.status}`, extensions: { code: "UNAVAILABLE" } }]);
  if (body.errors?.length) {
    const error = new ApiError(body.errors);
    if (error.code === "UNAUTHENTICATED") onUnauthenticated();
    throw error;
  }
  return body.data as T;
}
