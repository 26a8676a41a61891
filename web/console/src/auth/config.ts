// How the console learns whether auth is on, and the issuer and client to sign in with:
// SpawnIt serves it next to the page (app/console.py, GET /console/config.json).
export interface AuthConfig {
  enabled: boolean;
  issuer: string | null;
  clientId: string;
  scope: string;
}

export async function loadAuthConfig(): Promise<AuthConfig> {
  const response = await fetch("/console/config.json", { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`SpawnIt's console configuration answered ${response.status}`);
  const body = (await response.json()) as { auth?: Partial<AuthConfig> };
  const auth = body.auth ?? {};
  return {
    enabled: Boolean(auth.enabled && auth.issuer),
    issuer: auth.issuer ?? null,
    clientId: auth.clientId ?? "spawnit-web",
    scope: auth.scope ?? "openid",
  };
}

export interface Endpoints {
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

export async function discover(issuer: string): Promise<Endpoints> {
  const response = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`the issuer's discovery document answered ${response.status}`);
  return (await response.json()) as Endpoints;
}
