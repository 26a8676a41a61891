// SpawnIt's GraphiQL: the IDE, the explorer plugin and Monaco's workers, all served by SpawnIt.
// The page that loads this file is the GraphQL endpoint itself (GET /graphql), so the endpoint's
// URL is the page's own; nothing is fetched from another host.
import { explorerPlugin } from "@graphiql/plugin-explorer";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL, HISTORY_PLUGIN } from "graphiql";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import "graphiql/style.css";
import "@graphiql/plugin-explorer/style.css";

const workers = {
  json: "json.worker.js",
  graphql: "graphql.worker.js",
};

globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const file = workers[label] || "editor.worker.js";
    return new Worker(new URL(`workers/${file}`, import.meta.url), { name: label });
  },
};

const endpoint = new URL(window.location.href);
endpoint.search = "";
endpoint.hash = "";
const socket = new URL(endpoint);
socket.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

// graphql-transport-ws; the headers editor's values (Authorization) go into connection_init
const fetcher = createGraphiQLFetcher({
  url: endpoint.toString(),
  subscriptionUrl: socket.toString(),
  enableIncrementalDelivery: false,
});

const DEFAULT_QUERY = `# SpawnIt's GraphQL API. Write a query here and run it with Ctrl-Enter (or the run button).
# The explorer on the left builds queries by clicking; the docs list every type and field.
# Subscriptions (jobLogs, jobUpdates, serviceEvents) run over a websocket.
#
#   { me { tenantId } catalog { id name availableTargets } }
`;

createRoot(document.getElementById("graphiql")).render(
  createElement(GraphiQL, {
    fetcher,
    plugins: [HISTORY_PLUGIN, explorerPlugin()],
    defaultQuery: DEFAULT_QUERY,
    defaultEditorToolsVisibility: true,
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
  }),
);
