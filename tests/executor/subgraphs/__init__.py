"""Small federation subgraphs (accounts, products, reviews, inventory) for executor tests."""
