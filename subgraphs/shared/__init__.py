"""Building blocks shared by the users, products and orders subgraphs."""
