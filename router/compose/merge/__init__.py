"""Merging the types of the subgraphs into the types of the supergraph."""
