// Compose the conformance fixtures' subgraphs with @apollo/composition, in one process.
//
// stdin:  {"fixtures": {"<fixture>": [{"name": "...", "url": "...", "sdl": "..."}, ...]}}
// stdout: {"<fixture>": {"supergraphSdl": "..."} | {"errors": [{"code", "message"}]}}
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

function composeFixture(subgraphs) {
  const services = subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) }));
  const result = composeServices(services);
  if (result.errors && result.errors.length > 0) {
    return {
      errors: result.errors.map((error) => ({
        code: error.extensions?.code ?? null,
        message: error.message,
      })),
    };
  }
  return { supergraphSdl: result.supergraphSdl };
}

const input = await readStdin();
const output = {};
for (const [fixture, subgraphs] of Object.entries(input.fixtures)) {
  try {
    output[fixture] = composeFixture(subgraphs);
  } catch (error) {
    output[fixture] = { errors: [{ code: "EXCEPTION", message: String(error?.stack ?? error) }] };
  }
}
process.stdout.write(JSON.stringify(output));
