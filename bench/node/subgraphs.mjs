// The four subgraphs of the federation gateway benchmark (accounts, inventory, products, reviews)
// in one Node process, each at its own path: POST http://127.0.0.1:PORT/<name>.
//
//   node subgraphs.mjs --port 4200 --expected ../workload/expected.json [--no-response-cache]
//
// Schemas are built with @apollo/subgraph (so `_service` and `_entities` behave as in any
// federated subgraph) and executed by graphql-js. The data set never changes, so by default the
// serialized answer to each distinct request body is kept (bounded) and served again: the
// gateway under test, not the subgraphs, is what a benchmark run measures.
// GET /stats tells how many requests each subgraph has had (the fetches of a query plan).
import { createServer } from "node:http";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { execute, parse, validate } from "graphql";
import { readDataset } from "./dataset.mjs";

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
}

const port = Number(option("port", "4200"));
const host = option("host", "127.0.0.1");
const expectedPath = option("expected", new URL("../workload/expected.json", import.meta.url));
const cacheResponses = !process.argv.includes("--no-response-cache");
const data = readDataset(expectedPath);

const FEDERATION = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.0",
  import: ["@key", "@external", "@requires", "@provides", "@shareable"])`;

const accounts = buildSubgraphSchema({
  typeDefs: parse(`${FEDERATION}
    type Query { me: User  user(id: ID!): User  users: [User] }
    type User @key(fields: "id") { id: ID!  name: String  username: String @shareable  birthday: Int }`),
  resolvers: {
    Query: {
      me: () => data.users[0] ?? null,
      user: (_, { id }) => data.userById.get(id) ?? null,
      users: () => data.users,
    },
    User: { __resolveReference: (ref) => data.userById.get(ref.id) ?? null },
  },
});

const inventory = buildSubgraphSchema({
  typeDefs: parse(`${FEDERATION}
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }`),
  resolvers: {
    Product: {
      __resolveReference: (ref) => {
        const stock = data.stockByUpc.get(ref.upc);
        return stock ? { ...ref, ...stock } : null;
      },
      // Computed from the @requires inputs in the representation (free above 1000, else half
      // the weight), so a gateway that sends wrong or missing inputs gets a wrong answer.
      shippingEstimate: (product) => {
        const { price, weight } = product;
        if (!Number.isInteger(price) || !Number.isInteger(weight)) {
          throw new Error(
            `shippingEstimate requires price and weight, got ${JSON.stringify({ price, weight })}`,
          );
        }
        return price > 1000 ? 0 : Math.round(weight / 2);
      },
    },
  },
});

const products = buildSubgraphSchema({
  typeDefs: parse(`${FEDERATION}
    type Query { topProducts(first: Int = 5): [Product] }
    type Product @key(fields: "upc") { upc: String!  name: String  price: Int  weight: Int }`),
  resolvers: {
    Query: { topProducts: (_, { first }) => data.products.slice(0, Math.max(first, 0)) },
    Product: { __resolveReference: (ref) => data.productByUpc.get(ref.upc) ?? null },
  },
});

const reviewsOf = (ids) => (ids ?? []).map((id) => data.reviewById.get(id));
const reviews = buildSubgraphSchema({
  typeDefs: parse(`${FEDERATION}
    type Review @key(fields: "id") {
      id: ID!
      body: String
      product: Product
      author: User @provides(fields: "username")
    }
    type User @key(fields: "id") { id: ID!  username: String @external  reviews: [Review] }
    type Product @key(fields: "upc") { upc: String!  reviews: [Review] }`),
  resolvers: {
    Review: {
      __resolveReference: (ref) => data.reviewById.get(ref.id) ?? null,
      author: (review) => {
        const user = data.userById.get(data.authorOfReview.get(review.id));
        return user ? { id: user.id, username: user.username } : null;
      },
      product: (review) => {
        const upc = data.productOfReview.get(review.id);
        return upc === undefined ? null : { upc };
      },
    },
    User: {
      __resolveReference: (ref) => ({ id: ref.id }),
      reviews: (user) => reviewsOf(data.reviewsByUser.get(user.id)),
    },
    Product: {
      __resolveReference: (ref) => ({ upc: ref.upc }),
      reviews: (product) => reviewsOf(data.reviewsByProduct.get(product.upc)),
    },
  },
});

const schemas = new Map([
  ["/accounts", accounts],
  ["/inventory", inventory],
  ["/products", products],
  ["/reviews", reviews],
]);

const requestCounts = Object.fromEntries([...schemas.keys()].map((path) => [path.slice(1), 0]));

const MAX_CACHED = 4096;
const documents = new Map();
const responses = new Map();

function documentFor(schema, query) {
  let entry = documents.get(query);
  if (entry === undefined) {
    try {
      const document = parse(query);
      entry = { document, errors: validate(schema, document) };
    } catch (error) {
      entry = { document: null, errors: [error] };
    }
    if (documents.size < MAX_CACHED) documents.set(query, entry);
  }
  return entry;
}

async function answer(schema, body) {
  let request;
  try {
    request = JSON.parse(body);
  } catch {
    return { status: 400, payload: { errors: [{ message: "request body is not JSON" }] } };
  }
  if (typeof request?.query !== "string") {
    return { status: 400, payload: { errors: [{ message: "request has no query" }] } };
  }
  const { document, errors } = documentFor(schema, request.query);
  if (errors.length > 0) {
    return { status: 400, payload: { errors: errors.map((e) => ({ message: e.message })) } };
  }
  const result = await execute({
    schema,
    document,
    variableValues: request.variables ?? undefined,
    operationName: request.operationName ?? undefined,
  });
  return { status: 200, payload: result };
}

function send(res, status, text) {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

const server = createServer((req, res) => {
  const path = req.url.split("?", 1)[0];
  if (req.method === "GET" && path === "/health") {
    send(res, 200, '{"status":"ok"}');
    return;
  }
  if (req.method === "GET" && path === "/stats") {
    send(res, 200, JSON.stringify({ requests: requestCounts }));
    return;
  }
  const schema = schemas.get(path);
  if (schema === undefined || req.method !== "POST") {
    send(res, 404, '{"errors":[{"message":"not found"}]}');
    return;
  }
  requestCounts[path.slice(1)] += 1;
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", async () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const key = `${path}\n${body}`;
    const cached = cacheResponses ? responses.get(key) : undefined;
    if (cached !== undefined) {
      send(res, 200, cached);
      return;
    }
    const { status, payload } = await answer(schema, body);
    const text = JSON.stringify(payload);
    if (cacheResponses && status === 200 && !payload.errors && responses.size < MAX_CACHED) {
      responses.set(key, text);
    }
    send(res, status, text);
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.listen(port, host, () => {
  process.stdout.write(`subgraphs listening on http://${host}:${port}\n`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => process.exit(0));
}
