// Run a batch of operations through @apollo/gateway, served by Apollo Server, in one process.
//
// stdin: {
//   "supergraphSdl": "...",
//   "urls": {"<subgraph name>": "http://127.0.0.1:PORT/graphql"},   // overrides join__graph urls
//   "subgraphTimeoutMs": 1000,                                       // optional
//   "timeoutSubgraphs": ["slow"],                 // optional: the subgraphs the timeout is for
//   "operations": [{"query", "variables", "operationName", "headers"}]
// }
// stdout: {"results": [{"response": {data, errors, extensions?}, "plan": "QueryPlan {...}" | null}]}
//
// Client headers of an operation are forwarded to every subgraph request it causes.
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { prettyFormatQueryPlan } from "@apollo/query-planner";
import { ApolloServer, HeaderMap } from "@apollo/server";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

class HeaderForwardingDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    for (const [name, value] of Object.entries(context?.clientHeaders ?? {})) {
      request.http.headers.set(name, value);
    }
  }
}

function buildDataSource(url, timeoutMs) {
  const dataSource = new HeaderForwardingDataSource({ url });
  if (timeoutMs) {
    const baseFetcher = dataSource.fetcher;
    dataSource.fetcher = (target, init) => baseFetcher(target, { ...init, timeout: timeoutMs });
  }
  return dataSource;
}

const silentLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

const input = await readStdin();
let lastPlan = null;
const gateway = new ApolloGateway({
  supergraphSdl: input.supergraphSdl,
  logger: silentLogger,
  buildService: ({ name, url }) =>
    buildDataSource(
      input.urls[name] ?? url,
      input.timeoutSubgraphs && !input.timeoutSubgraphs.includes(name)
        ? null
        : input.subgraphTimeoutMs ?? null,
    ),
  experimental_didResolveQueryPlan: ({ queryPlan }) => {
    lastPlan = prettyFormatQueryPlan(queryPlan);
  },
});
const server = new ApolloServer({
  gateway,
  logger: silentLogger,
  includeStacktraceInErrorResponses: false,
});
await server.start();

const results = [];
for (const operation of input.operations) {
  lastPlan = null;
  const headers = new HeaderMap();
  headers.set("content-type", "application/json");
  for (const [name, value] of Object.entries(operation.headers ?? {})) {
    headers.set(name.toLowerCase(), value);
  }
  const response = await server.executeOperation(
    {
      query: operation.query,
      variables: operation.variables ?? undefined,
      operationName: operation.operationName ?? undefined,
      http: { method: "POST", headers, search: "", body: {} },
    },
    { contextValue: { clientHeaders: operation.headers ?? {} } },
  );
  if (response.body.kind !== "single") {
    throw new Error("incremental delivery responses are not supported by this harness");
  }
  results.push({ response: response.body.singleResult, plan: lastPlan });
}
await server.stop();
process.stdout.write(JSON.stringify({ results }));
