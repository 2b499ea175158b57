// Loads supergraph SDLs the way @apollo/gateway does (Supergraph.build + QueryPlanner).
//
// stdin:  {"<id>": "<supergraph SDL>", ...}
// stdout: {"<id>": {"ok": true} | {"ok": false, "error": "..."}, ...}
import { Supergraph } from "@apollo/federation-internals";
import { QueryPlanner } from "@apollo/query-planner";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const request = JSON.parse(await readStdin());
const output = {};
for (const [id, sdl] of Object.entries(request)) {
  try {
    const supergraph = Supergraph.build(sdl);
    new QueryPlanner(supergraph);
    supergraph.apiSchema();
    output[id] = { ok: true };
  } catch (error) {
    output[id] = { ok: false, error: String(error?.message ?? error) };
  }
}
process.stdout.write(JSON.stringify(output));
