// Subscriptions over one graphql-transport-ws socket (graphql-ws), the token in connection_init.
import { createClient, type Client } from "graphql-ws";
import { currentToken, type Variables } from "./http";
import { ApiError, type GraphQLErrorShape } from "./errors";

let client: Client | null = null;
const cuts = new Set<() => void>();

function socketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss:" : "ws:"}//${host}/graphql`;
}

function theClient(): Client {
  if (client) return client;
  const made: Client = createClient({
    url: socketUrl(),
    lazy: true,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: async (retries) => new Promise((done) => setTimeout(done, Math.min(500 * 2 ** retries, 8000))),
    connectionParams: async () => {
      const token = await currentToken();
      return token ? { Authorization: `Bearer ${token}` } : {};
    },
    // after graphql-ws has handled the close itself (its own promises settled), never inside it;
    // a replaced socket's close is not news: its subscribers moved already (restartSocket)
    on: { closed: () => setTimeout(() => client === made && cuts.forEach((cut) => cut()), 0) },
  });
  client = made;
  return made;
}

/** A new socket (after a sign-in or a token renewal: its connection_init carries the new
 * token); live subscriptions (api/live) move to it before the old one closes. */
export function restartSocket(): void {
  const old = client;
  client = null;
  cuts.forEach((cut) => cut());
  old?.dispose();
}

/** Called whenever the socket closes (a network cut): subscribers resume from where they were. */
export function onSocketClosed(cut: () => void): () => void {
  cuts.add(cut);
  return () => cuts.delete(cut);
}

export interface Subscriber<T> {
  next: (data: T) => void;
  error?: (error: ApiError) => void;
  complete?: () => void;
}

/** Subscribe; returns the way to stop. */
export function subscribe<T>(query: string, variables: Variables, sink: Subscriber<T>): () => void {
  return theClient().subscribe<T>(
    { query, variables },
    {
      next: (message) => {
        if (message.errors?.length) sink.error?.(new ApiError(message.errors as unknown as GraphQLErrorShape[]));
        else if (message.data) sink.next(message.data as T);
      },
      error: (error) => sink.error?.(asApiError(error)),
      complete: () => sink.complete?.(),
    },
  );
}

function asApiError(error: unknown): ApiError {
  if (Array.isArray(error)) return new ApiError(error as GraphQLErrorShape[]);
  const message = error instanceof Error ? error.message : "the subscription's socket closed";
  return new ApiError([{ message, extensions: { code: "UNAVAILABLE" } }]);
}
