// Sign-in (auth on): the button that starts the OIDC code flow, and the callback that ends it.
import { useEffect, useState } from "preact/hooks";
import type { Session } from "../auth/session";
import { restartSocket } from "../api/ws";
import { navigate } from "../lib/router";

export function SignInPage({ session }: { session: Session }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <section aria-labelledby="signin-title" class="signin">
      <h1 id="signin-title">Sign in to SpawnIt</h1>
      <p>This SpawnIt requires an account of its identity provider.</p>
      <button type="button" onClick={() => session.signIn().catch((e: Error) => setError(e.message))}>Sign in</button>
      {error ? <p class="problem" role="alert">{error}</p> : null}
    </section>
  );
}

export function CallbackPage({ session }: { session: Session }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    session
      .complete(location.search)
      .then((back) => {
        restartSocket();
        navigate(back, true);
      })
      .catch((e: Error) => setError(e.message));
  }, []);
  return (
    <section aria-labelledby="callback-title">
      <h1 id="callback-title">Signing in…</h1>
      {error ? (
        <p class="problem" role="alert">
          {error} <a href="/">Try again</a>
        </p>
      ) : (
        <p role="status">Finishing the sign-in with the identity provider.</p>
      )}
    </section>
  );
}
