// Bundle GraphiQL, the explorer plugin and Monaco's workers into dist/ (served by SpawnIt at
// /graphiql/assets/). Run by scripts/bootstrap; `npm run build` by hand.
import { rmSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  target: "es2022",
  legalComments: "linked",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
};

rmSync("dist", { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { graphiql: "src/main.js" },
  format: "esm",
  outdir: "dist",
  loader: { ".ttf": "file", ".woff": "file", ".woff2": "file" },
});
await build({
  ...common,
  entryPoints: {
    "editor.worker": "monaco-editor/esm/vs/editor/editor.worker.js",
    "json.worker": "monaco-editor/esm/vs/language/json/json.worker.js",
    "graphql.worker": "monaco-graphql/esm/graphql.worker.js",
  },
  format: "iife",
  outdir: "dist/workers",
});
// the marker SpawnIt checks: written last, so a half-finished build is not served
writeFileSync("dist/BUILT", new Date().toISOString() + "\n");
