// @apollo/gateway behind @apollo/server on a plain Node HTTP server: the peer gateway of the
// benchmark, loading the same supergraph as fedra.
//
//   node apollo-gateway.mjs --supergraph ../workload/supergraph.graphql --port 4100
//
// POST /graphql (JSON body) runs an operation; GET /health answers once the gateway is loaded.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer, HeaderMap } from "@apollo/server";

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
}

const port = Number(option("port", "4100"));
const host = option("host", "127.0.0.1");
const supergraphPath = option("supergraph", new URL("../workload/supergraph.graphql", import.meta.url));

const silentLogger = { debug() {}, info() {}, warn() {}, error: console.error };
const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(supergraphPath, "utf8"),
  logger: silentLogger,
});
const apollo = new ApolloServer({
  gateway,
  logger: silentLogger,
  includeStacktraceInErrorResponses: false,
});
await apollo.start();

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function handleGraphQL(req, res, search) {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  let body;
  if (req.method === "POST") {
    const text = await readBody(req);
    try {
      body = JSON.parse(text);
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      res.end('{"errors":[{"message":"request body is not JSON"}]}');
      return;
    }
  }
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method, headers, search, body },
    context: async () => ({}),
  });
  const outHeaders = Object.fromEntries(response.headers);
  if (response.body.kind === "complete") {
    outHeaders["content-length"] = Buffer.byteLength(response.body.string);
    res.writeHead(response.status ?? 200, outHeaders);
    res.end(response.body.string);
    return;
  }
  res.writeHead(response.status ?? 200, outHeaders);
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

const server = createServer((req, res) => {
  const [path, query = ""] = req.url.split("?", 2);
  if (path === "/health") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"status":"ok"}');
    return;
  }
  if (path !== "/graphql") {
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"errors":[{"message":"not found"}]}');
    return;
  }
  handleGraphQL(req, res, query).catch((error) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end('{"errors":[{"message":"internal error"}]}');
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.listen(port, host, () => {
  process.stdout.write(`apollo-gateway listening on http://${host}:${port}/graphql\n`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => process.exit(0));
}
