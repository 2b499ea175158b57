// Compose the running benchmark subgraphs (their `_service { sdl }`) with @apollo/composition
// and compare the result with the workload's supergraph, both printed by graphql-js.
// Exit 0 when they are the same schema, 1 (with the difference on stderr) when they are not.
//
//   node check-composition.mjs --subgraphs http://127.0.0.1:4200 --supergraph FILE
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse, print } from "graphql";

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
}

const base = option("subgraphs", "http://127.0.0.1:4200");
const supergraphPath = option("supergraph", new URL("../workload/supergraph.graphql", import.meta.url));
const names = ["accounts", "inventory", "products", "reviews"];

const services = [];
for (const name of names) {
  const url = `${base}/${name}`;
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ _service { sdl } }" }),
  });
  const sdl = (await response.json()).data._service.sdl;
  services.push({ name, url, typeDefs: parse(sdl) });
}

const composed = composeServices(services);
if (composed.errors) {
  process.stderr.write(`composition failed:\n${composed.errors.map(String).join("\n")}\n`);
  process.exit(1);
}
const ours = print(parse(composed.supergraphSdl));
const workload = print(parse(readFileSync(supergraphPath, "utf8")));
if (ours !== workload) {
  process.stderr.write(`the subgraphs compose to another supergraph:\n${ours}\n`);
  process.exit(1);
}
process.stdout.write("the subgraphs compose to the workload supergraph\n");
