"""The schema registry: subgraphs publish their SDL, every publish is checked (composition,
breaking changes against the current supergraph, client operations that use them), routers read
the supergraph and the live instances, and a web page shows it all."""
