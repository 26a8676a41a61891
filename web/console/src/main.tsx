// The console's entry: theme first (no flash), then auth's configuration, then the app.
import { render } from "preact";
import { useTokens } from "./api/http";
import { restartSocket } from "./api/ws";
import { App } from "./app";
import { loadAuthConfig } from "./auth/config";
import { Session } from "./auth/session";
import { applyTheme, chosenTheme } from "./lib/theme";
import "./styles.css";

applyTheme(chosenTheme());
const root = document.getElementById("app")!;

loadAuthConfig()
  .then((config) => {
    const session = new Session(config);
    let last = session.signedIn;
    session.onChange(() => {
      restartSocket(); // connection_init carries the new token (or none)
      last = session.signedIn;
    });
    useTokens(() => session.token(), () => {
      if (last) void session.renew();
    });
    render(<App session={session} />, root);
  })
  .catch((error: Error) => {
    root.textContent = `SpawnIt's console could not start: ${error.message}`;
  });
