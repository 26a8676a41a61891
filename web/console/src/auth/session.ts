// Sign-in with OIDC authorization code + PKCE, the token kept for this tab (sessionStorage),
// renewed with the refresh token before it expires, and sign-out.
import { challengeOf, claimsOf, randomString } from "./pkce";
import { discover, type AuthConfig, type Endpoints } from "./config";

const TOKENS = "spawnit.tokens";
const PENDING = "spawnit.signin";
const EARLY_MS = 30_000; // renew this long before expiry

interface Tokens {
  access: string;
  refresh: string | null;
  idToken: string | null;
  expiresAt: number; // ms since the epoch
}

export class Session {
  private tokens: Tokens | null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private endpoints: Endpoints | null = null;
  private listeners = new Set<() => void>();

  constructor(readonly config: AuthConfig) {
    this.tokens = config.enabled ? read() : null;
    this.schedule();
  }

  get signedIn(): boolean {
    return this.tokens !== null && this.tokens.expiresAt > Date.now();
  }

  get subject(): string | null {
    const claims = this.tokens ? claimsOf(this.tokens.idToken ?? this.tokens.access) : {};
    return (claims.preferred_username as string) ?? (claims.sub as string) ?? null;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async token(): Promise<string | null> {
    if (!this.config.enabled || !this.tokens) return null;
    if (this.tokens.expiresAt - Date.now() < EARLY_MS) await this.renew();
    return this.tokens?.access ?? null;
  }

  async signIn(returnTo = location.pathname + location.search): Promise<void> {
    const endpoints = await this.discovered();
    const verifier = randomString(48);
    const state = randomString(16);
    sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo }));
    const url = new URL(endpoints.authorization_endpoint);
    const params = {
      response_type: "code",
      client_id: this.config.clientId,
      redirect_uri: redirectUri(),
      scope: this.config.scope,
      state,
      code_challenge: await challengeOf(verifier),
      code_challenge_method: "S256",
    };
    Object.entries(params).forEach(([k, v]) => url.searchParams.set(k, v));
    location.assign(url.toString());
  }

  /** On /auth/callback: trade the code for tokens; the path to go back to. */
  async complete(search: string): Promise<string> {
    const query = new URLSearchParams(search);
    const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null") as
      | { verifier: string; state: string; returnTo: string }
      | null;
    sessionStorage.removeItem(PENDING);
    if (query.get("error")) throw new Error(`sign-in refused: ${query.get("error_description") ?? query.get("error")}`);
    if (!pending || pending.state !== query.get("state")) throw new Error("sign-in answer does not match a sign-in started here");
    await this.grant({
      grant_type: "authorization_code",
      code: query.get("code") ?? "",
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    });
    return pending.returnTo.startsWith("/auth/") ? "/" : pending.returnTo;
  }

  async signOut(): Promise<void> {
    const idToken = this.tokens?.idToken;
    this.store(null);
    const endpoints = await this.discovered().catch(() => null);
    if (endpoints?.end_session_endpoint) {
      const url = new URL(endpoints.end_session_endpoint);
      url.searchParams.set("post_logout_redirect_uri", location.origin + "/");
      url.searchParams.set("client_id", this.config.clientId);
      if (idToken) url.searchParams.set("id_token_hint", idToken);
      location.assign(url.toString());
    }
  }

  /** Silent renewal with the refresh token; without one the person signs in again. */
  async renew(): Promise<void> {
    const refresh = this.tokens?.refresh;
    if (!refresh) {
      this.store(null);
      return;
    }
    try {
      await this.grant({ grant_type: "refresh_token", refresh_token: refresh });
    } catch {
      this.store(null);
    }
  }

  private async grant(fields: Record<string, string>): Promise<void> {
    const endpoints = await this.discovered();
    const body = new URLSearchParams({ ...fields, client_id: this.config.clientId });
    const response = await fetch(endpoints.token_endpoint, { method: "POST", body });
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof answer.access_token !== "string") {
      throw new Error(`the issuer refused the token request: ${answer.error_description ?? answer.error ?? response.status}`);
    }
    const access = answer.access_token;
    const exp = Number(claimsOf(access).exp) * 1000;
    const lifetime = Number(answer.expires_in) * 1000;
    this.store({
      access,
      refresh: typeof answer.refresh_token === "string" ? answer.refresh_token : (this.tokens?.refresh ?? null),
      idToken: typeof answer.id_token === "string" ? answer.id_token : (this.tokens?.idToken ?? null),
      expiresAt: Number.isFinite(exp) && exp > 0 ? exp : Date.now() + (lifetime || 300_000),
    });
  }

  private async discovered(): Promise<Endpoints> {
    this.endpoints ??= await discover(this.config.issuer ?? "");
    return this.endpoints;
  }

  private store(tokens: Tokens | null): void {
    this.tokens = tokens;
    if (tokens) sessionStorage.setItem(TOKENS, JSON.stringify(tokens));
    else sessionStorage.removeItem(TOKENS);
    this.schedule();
    this.listeners.forEach((listener) => listener());
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.tokens?.refresh) return;
    const wait = Math.max(1_000, this.tokens.expiresAt - Date.now() - EARLY_MS);
    this.timer = setTimeout(() => void this.renew(), wait);
  }
}

function redirectUri(): string {
  return `${location.origin}/auth/callback`;
}

function read(): Tokens | null {
  try {
    const tokens = JSON.parse(sessionStorage.getItem(TOKENS) ?? "null") as Tokens | null;
    return tokens && typeof tokens.access === "string" ? tokens : null;
  } catch {
    return null;
  }
}
