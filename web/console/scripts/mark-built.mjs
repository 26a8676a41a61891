// The marker SpawnIt checks (app/console.py): written last, so a half-finished build is not served.
import { writeFileSync } from "node:fs";

writeFileSync("dist/BUILT", new Date().toISOString() + "\n");
