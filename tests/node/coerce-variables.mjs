// Variable coercion by graphql-js (the version @apollo/gateway runs), as a reference.
// stdin: {"schema": SDL, "cases": [{"query": ..., "variables": {...}}]}
// stdout: [[error message, ...] per case] ([] when the variables coerce).
import { buildSchema, getVariableValues, parse } from 'graphql';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { schema: sdl, cases } = JSON.parse(input);
const schema = buildSchema(sdl);
const results = cases.map(({ query, variables }) => {
  const [operation] = parse(query).definitions;
  const { errors } = getVariableValues(schema, operation.variableDefinitions ?? [], variables, {
    maxErrors: 50,
  });
  return (errors ?? []).map((error) => error.message);
});
process.stdout.write(JSON.stringify(results));
