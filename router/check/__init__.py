"""Schema checks for CI: supergraph config, schema diffs and client operation validation."""
