"""The soak's load client: a bounded number of concurrent POSTs of one GraphQL request, for a
bounded time and a bounded number of requests, every answer timed and classified. Only ever
aimed at 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from bench.soak_report import Answer, Outcome

HEADERS = {"content-type": "application/json", "accept": "application/json"}
MAX_ERROR_TEXT = 200
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True, slots=True)
class LoadPlan:
    url: str
    body: bytes
    reference_data: Any  # the data of a full answer
    concurrency: int
    duration_s: float
    max_requests: int
    timeout_s: float


@dataclass(frozen=True, slots=True)
class Classified:
    outcome: Outcome
    errors: tuple[str, ...] = ()  # "CODE: message" of each GraphQL error, or why it failed


def classify(status: int, content: bytes, reference_data: Any) -> Classified:
    if status != 200:
        return Classified(Outcome.FAILED, (f"HTTP {status}",))
    try:
        answer = orjson.loads(content)
    except orjson.JSONDecodeError:
        return Classified(Outcome.FAILED, ("not JSON",))
    if not isinstance(answer, dict) or ("data" not in answer and "errors" not in answer):
        return Classified(Outcome.FAILED, ("not a GraphQL answer",))
    data, errors = answer.get("data"), answer.get("errors")
    if errors:
        outcome = Outcome.PARTIAL if data is not None else Outcome.ERRORS
        return Classified(outcome, tuple(_error_text(error) for error in errors))
    return Classified(Outcome.FULL if data == reference_data else Outcome.WRONG)


def _error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return "malformed error"
    extensions = error.get("extensions")
    code = extensions.get("code", "") if isinstance(extensions, dict) else ""
    # Numbers (ports, seconds until the next attempt) vary; the kind of error does not.
    message = NUMBER.sub("N", str(error.get("message", "")))
    return f"{code}: {message}"[:MAX_ERROR_TEXT]


async def run(plan: LoadPlan, started: float, errors_seen: Counter[str]) -> list[Answer]:
    """Load until ``duration_s`` after ``started`` (time.monotonic) or ``max_requests`` sent;
    ``errors_seen`` counts the errors of the answers (and the reasons requests failed)."""
    if urlsplit(plan.url).hostname not in ("127.0.0.1", "localhost"):
        raise ValueError(f"refusing to send load anywhere but 127.0.0.1: {plan.url}")
    answers: list[Answer] = []
    deadline = started + plan.duration_s
    sent = 0
    limits = httpx.Limits(
        max_connections=plan.concurrency, max_keepalive_connections=plan.concurrency
    )

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while sent < plan.max_requests and time.monotonic() < deadline:
            sent += 1
            begin = time.monotonic()
            try:
                response = await client.post(plan.url, content=plan.body, headers=HEADERS)
                result = classify(response.status_code, response.content, plan.reference_data)
            except httpx.HTTPError as failure:
                result = Classified(Outcome.FAILED, (type(failure).__name__,))
            end = time.monotonic()
            errors_seen.update(result.errors)
            answers.append(Answer(begin - started, end - begin, result.outcome))

    async with httpx.AsyncClient(limits=limits, timeout=plan.timeout_s) as client:
        await asyncio.gather(*(worker(client) for _ in range(plan.concurrency)))
    return answers
