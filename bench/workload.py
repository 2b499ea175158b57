"""The benchmark workload: supergraph, query and the exact answer a correct gateway returns."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

BENCH_DIR = Path(__file__).resolve().parent
WORKLOAD_DIR = BENCH_DIR / "workload"
SUPERGRAPH_PATH = WORKLOAD_DIR / "supergraph.graphql"
QUERY_PATH = WORKLOAD_DIR / "query.graphql"
EXPECTED_PATH = WORKLOAD_DIR / "expected.json"
OPERATION_NAME = "TestQuery"
SUBGRAPH_NAMES = ("accounts", "inventory", "products", "reviews")
SUBGRAPHS_PORT = 4200


@dataclass(frozen=True)
class Workload:
    supergraph_path: Path
    query: str
    operation_name: str
    expected: bytes

    def request_body(self) -> bytes:
        """The JSON body of the one request the benchmark sends, over and over."""
        return orjson.dumps({"query": self.query, "operationName": self.operation_name})


def load_workload() -> Workload:
    return Workload(
        supergraph_path=SUPERGRAPH_PATH,
        query=QUERY_PATH.read_text(encoding="utf-8"),
        operation_name=OPERATION_NAME,
        expected=EXPECTED_PATH.read_bytes(),
    )
