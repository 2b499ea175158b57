// Batch composition with a reference implementation.
//
// stdin:  {"fixtures": {"<id>": [{"name": "...", "url": "...", "sdl": "..."}, ...], ...}}
// stdout: {"<id>": {"supergraphSdl": "...", "hints": [...]}
//                 | {"errors": [{"code", "message", "locations": [{subgraph, line, column}]}],
//                    "hints": []}, ...}
//
// Usage: node compose.mjs [--impl apollo|guild]   (default: apollo)
// One process composes every fixture, so Node's start-up is paid once per run.
import { getLocation, parse, Source } from "graphql";

function parseArgs(argv) {
  let impl = "apollo";
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--impl") {
      impl = argv[i + 1];
      i += 1;
    } else if (argv[i].startsWith("--impl=")) {
      impl = argv[i].slice("--impl=".length);
    } else {
      throw new Error(`unknown argument: ${argv[i]}`);
    }
  }
  if (impl !== "apollo" && impl !== "guild") {
    throw new Error(`--impl must be "apollo" or "guild", not ${JSON.stringify(impl)}`);
  }
  return { impl };
}

async function loadComposer(impl) {
  if (impl === "apollo") {
    const { composeServices } = await import("@apollo/composition");
    return composeServices;
  }
  const { composeServices } = await import("@theguild/federation-composition");
  return composeServices;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function nodeLocation(node) {
  const loc = node?.loc;
  if (!loc || !loc.source) {
    return null;
  }
  const { line, column } = getLocation(loc.source, loc.start);
  const subgraph = typeof node.subgraph === "string" ? node.subgraph : loc.source.name;
  return { subgraph, line, column };
}

function locationsOf(problem) {
  const locations = [];
  const seen = new Set();
  const push = (location) => {
    if (!location) {
      return;
    }
    const key = `${location.subgraph}:${location.line}:${location.column}`;
    if (!seen.has(key)) {
      seen.add(key);
      locations.push(location);
    }
  };
  const nodes = problem.nodes ? [].concat(problem.nodes) : [];
  for (const node of nodes) {
    push(nodeLocation(node));
  }
  if (locations.length === 0 && problem.source && Array.isArray(problem.locations)) {
    for (const { line, column } of problem.locations) {
      push({ subgraph: problem.source.name, line, column });
    }
  }
  return locations;
}

function describeError(error) {
  const code = error.extensions?.code ?? error.code ?? "UNKNOWN";
  return { code: String(code), message: error.message, locations: locationsOf(error) };
}

function describeHint(hint) {
  const code = hint.definition?.code ?? hint.code ?? "UNKNOWN";
  return { code: String(code), message: hint.message, locations: locationsOf(hint) };
}

function composeFixture(composeServices, subgraphs) {
  let services;
  try {
    services = subgraphs.map(({ name, url, sdl }) => ({
      name,
      url,
      typeDefs: parse(new Source(sdl, name)),
    }));
  } catch (error) {
    return { errors: [describeError(error)], hints: [] };
  }
  let result;
  try {
    result = composeServices(services);
  } catch (error) {
    return {
      errors: [{ code: "COMPOSITION_CRASHED", message: String(error?.stack ?? error), locations: [] }],
      hints: [],
    };
  }
  if (result.errors && result.errors.length > 0) {
    return { errors: result.errors.map(describeError), hints: [] };
  }
  return {
    supergraphSdl: result.supergraphSdl,
    hints: (result.hints ?? []).map(describeHint),
  };
}

async function main() {
  const { impl } = parseArgs(process.argv.slice(2));
  const composeServices = await loadComposer(impl);
  const request = JSON.parse(await readStdin());
  const output = {};
  for (const [id, subgraphs] of Object.entries(request.fixtures ?? {})) {
    output[id] = composeFixture(composeServices, subgraphs);
  }
  process.stdout.write(JSON.stringify(output));
}

await main();
