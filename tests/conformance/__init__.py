"""Federation conformance corpus: fixture subgraphs, operations and recorded gateway answers."""
