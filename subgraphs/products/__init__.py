"""The products subgraph: owns Product (keys id and sku) and the stock."""
