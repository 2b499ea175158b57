"""Composition: subgraph SDLs → supergraph."""
