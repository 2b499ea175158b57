"""The orders subgraph: owns Order, extends User and Product."""
