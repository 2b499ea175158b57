// Apollo's query planner as an oracle: plans for many operations over many supergraphs.
//
// stdin:  {"<supergraph id>": {"supergraph": "<SDL>", "operations": {"<op id>": "<text>"}}}
// stdout: {"<supergraph id>": {"<op id>": "<plan text>" | "ERROR <message>"} | "ERROR <message>"}
//
// The packages are the reference implementations installed in tests/node.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "node", "package.json"));
const {
  Supergraph,
  ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
  operationFromDocument,
} = require("@apollo/federation-internals");
const { QueryPlanner, prettyFormatQueryPlan } = require("@apollo/query-planner");
const { parse } = require("graphql");

const input = JSON.parse(readFileSync(0, "utf8"));
const output = {};
for (const [id, item] of Object.entries(input)) {
  try {
    // A router's planner (not the gateway's) also plans over the SECURITY features
    // (@authenticated, @requiresScopes, @policy): it reads them and plans as usual.
    const supergraph = Supergraph.build(item.supergraph, {
      supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
    });
    const planner = new QueryPlanner(supergraph, item.config || {});
    output[id] = {};
    for (const [opId, text] of Object.entries(item.operations)) {
      try {
        const operation = operationFromDocument(supergraph.schema, parse(text), {});
        output[id][opId] = prettyFormatQueryPlan(planner.buildQueryPlan(operation));
      } catch (error) {
        output[id][opId] = `ERROR ${error.message}`;
      }
    }
  } catch (error) {
    output[id] = `ERROR ${error.message}`;
  }
}
process.stdout.write(JSON.stringify(output));
