// The console's frame: header, navigation, theme, sign-in, the auth-off banner, the page.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Session } from "./auth/session";
import { applyTheme, chosenTheme, type Theme } from "./lib/theme";
import { linkClick, navigate, useRoute, type Route } from "./lib/router";
import { CatalogPage } from "./pages/Catalog";
import { DashboardPage } from "./pages/Dashboard";
import { DeployPage } from "./pages/Deploy";
import { JobPage } from "./pages/Job";
import { ServicePage } from "./pages/Service";
import { CallbackPage, SignInPage } from "./pages/SignIn";

export function App({ session }: { session: Session }) {
  const route = useRoute();
  const [, setVersion] = useState(0);
  useEffect(() => session.onChange(() => setVersion((v) => v + 1)), [session]);
  const arrived = useRef(false);
  useEffect(() => {
    // after a page change (not on arrival: the skip link stays the first stop), focus the page
    if (arrived.current) document.getElementById("main")?.focus({ preventScroll: true });
    arrived.current = true;
  }, [route.page, "id" in route ? route.id : ""]);
  const auth = session.config.enabled;
  const needsSignIn = auth && !session.signedIn && route.page !== "callback";
  return (
    <div class="shell" onClick={linkClick as unknown as (e: Event) => void}>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="/">SpawnIt</a>
        <nav aria-label="Main">
          <a href="/" aria-current={route.page === "dashboard" ? "page" : undefined}>Services</a>
          <a href="/catalog" aria-current={route.page === "catalog" ? "page" : undefined}>Catalog</a>
          <a href="/deploy" aria-current={route.page === "deploy" ? "page" : undefined}>Deploy</a>
          <a href="/graphql" target="_blank" rel="noopener">GraphiQL</a>
        </nav>
        <div class="tools">
          <ThemeToggle />
          {auth && session.signedIn ? (
            <>
              <span class="muted" data-testid="signed-in-as">{session.subject}</span>
              <button type="button" class="secondary" onClick={() => void session.signOut().then(() => navigate("/"))}>Sign out</button>
            </>
          ) : null}
        </div>
      </header>
      {!auth ? (
        <p class="banner" role="note" data-testid="auth-off">
          Auth is off: everyone who reaches this SpawnIt is its one operator (it listens on loopback only). Set <code>SPAWNIT_OIDC_ISSUER</code> to require sign-in.
        </p>
      ) : null}
      <main id="main" tabIndex={-1}>{needsSignIn ? <SignInPage session={session} /> : page(route, session)}</main>
    </div>
  );
}

function page(route: Route, session: Session) {
  switch (route.page) {
    case "dashboard":
      return <DashboardPage />;
    case "catalog":
      return <CatalogPage />;
    case "deploy":
      return <DeployPage entryId={route.entryId} target={route.target} />;
    case "service":
      return <ServicePage key={route.id} id={route.id} />;
    case "job":
      return <JobPage key={route.id} id={route.id} />;
    case "callback":
      return <CallbackPage session={session} />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>Nothing at <code>{route.path}</code>. <a href="/">Back to your services.</a></p>
        </section>
      );
  }
}

function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(() => applyTheme(chosenTheme()));
  const next: Theme = theme === "dark" ? "light" : "dark";
  return (
    <button type="button" class="secondary" aria-label={`Switch to the ${next} theme`} data-testid="theme-toggle" onClick={() => setTheme(applyTheme(next))}>
      {theme === "dark" ? "☀ Light" : "☾ Dark"}
    </button>
  );
}
