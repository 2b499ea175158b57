"""Client subscriptions: graphql-transport-ws over WebSocket, GraphQL over SSE, multipart HTTP."""
