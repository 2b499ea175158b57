"""Gateways through the benchmark: start one and check its answer (``admit``), then load it
for one round (``load_round``); rounds of all admitted gateways alternate."""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.answers import check_answer
from bench.cpus import CpuPlan
from bench.gateways import Gateway
from bench.load import LoadFailed, LoadResult, LoadSettings, run_load
from bench.node_packages import NodeUnavailable, ensure_installed
from bench.outcome import (
    FAILED,
    OK,
    WRONG_ANSWER,
    WRONG_UNDER_LOAD,
    GatewayOutcome,
    RoundResult,
)
from bench.servers import ServerFailed, ServerProcess, pinned
from bench.subgraphs import subgraph_request_counts
from bench.workload import Workload

READY_TIMEOUT_S = 60.0
ANSWER_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Contender:
    """A gateway that is running and has answered correctly."""

    server: ServerProcess
    url: str
    outcome: GatewayOutcome


def admit(
    gateway: Gateway,
    workload: Workload,
    port: int,
    cpus: CpuPlan,
    log_path: Path,
    servers: ExitStack,
) -> tuple[GatewayOutcome, Contender | None]:
    """Start the gateway (stopped when ``servers`` closes) and check its cold and warm answers."""
    outcome = GatewayOutcome(name=gateway.name, version="", log_path=str(log_path))
    try:
        if gateway.node_packages is not None:
            ensure_installed(gateway.node_packages)
        outcome.version = gateway.version()
        gateway_cpus = [*cpus.gateway, *cpus.load] if gateway.all_cores else cpus.gateway
        server = servers.enter_context(
            ServerProcess(
                name=gateway.name,
                command=pinned(gateway.command(workload.supergraph_path, port), gateway_cpus),
                port=port,
                log_path=log_path,
                cwd=gateway.cwd,
                env=gateway.env,
            )
        )
        server.start(READY_TIMEOUT_S)
        url = gateway.url(port)
        if not _answers_correctly(url, workload, server, outcome):
            server.stop()
            return outcome, None
    except ServerFailed as error:
        outcome.fail(FAILED, str(error), error.log_tail)
        return outcome, None
    except (NodeUnavailable, httpx.HTTPError) as error:
        outcome.fail(FAILED, f"{type(error).__name__}: {error}")
        return outcome, None
    outcome.status = OK
    outcome.detail = f"answer equal to expected.json ({outcome.answer_bytes} bytes)"
    return outcome, Contender(server=server, url=url, outcome=outcome)


def _answers_correctly(
    url: str, workload: Workload, server: ServerProcess, outcome: GatewayOutcome
) -> bool:
    """The first (cold) and the second (warm) answer must both equal expected.json."""
    body = workload.request_body()
    headers = {"content-type": "application/json", "accept": "application/json"}
    with httpx.Client(timeout=ANSWER_TIMEOUT_S) as client:
        for attempt in ("cold", "warm"):
            fetched_before = subgraph_request_counts()
            response = _post_when_ready(client, url, body, headers, server)
            fetched_after = subgraph_request_counts()
            outcome.subgraph_fetches = {
                name: count - fetched_before.get(name, 0) for name, count in fetched_after.items()
            }
            check = check_answer(workload.expected, response.status_code, response.content)
            outcome.answer_bytes = len(response.content)
            if not check.correct:
                outcome.fail(WRONG_ANSWER, f"{attempt} answer: {check.detail}")
                return False
    return True


def _post_when_ready(
    client: httpx.Client,
    url: str,
    body: bytes,
    headers: dict[str, str],
    server: ServerProcess,
) -> httpx.Response:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            return client.post(url, content=body, headers=headers)
        except httpx.TransportError:
            server.ensure_running()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def load_round(
    contender: Contender,
    body_file: Path,
    settings: LoadSettings,
    cpus: CpuPlan,
    subgraphs: ServerProcess,
    warm_up: bool,
) -> bool:
    """One measured round (after a warm-up when asked); False once the gateway is out."""
    outcome = contender.outcome
    server = contender.server
    try:
        if warm_up and settings.warmup_s > 0:
            _drive(contender, body_file, settings, settings.warmup_s, cpus)
        gateway_cpu, subgraphs_cpu = server.cpu_seconds(), subgraphs.cpu_seconds()
        result = _drive(contender, body_file, settings, settings.duration_s, cpus)
        gateway_cpu = server.cpu_seconds() - gateway_cpu
        subgraphs_cpu = subgraphs.cpu_seconds() - subgraphs_cpu
        server.ensure_running()
    except ServerFailed as error:
        outcome.fail(FAILED, f"under load: {error}", error.log_tail)
        return False
    except LoadFailed as error:
        outcome.fail(FAILED, f"LoadFailed: {error}")
        return False
    seconds = result.duration_s or 1.0
    outcome.rounds.append(
        RoundResult(
            load=result,
            gateway_cpu_percent=100 * gateway_cpu / seconds,
            subgraphs_cpu_percent=100 * subgraphs_cpu / seconds,
        )
    )
    if result.wrong_size or result.non_200:
        outcome.fail(
            WRONG_UNDER_LOAD,
            f"{result.non_200} non-200 answers and {result.wrong_size} answers of another size "
            f"than the checked one ({outcome.answer_bytes} bytes)",
        )
        return False
    if result.failures:
        outcome.detail += f"; {result.failures} socket errors or timeouts under load"
    return True


def _drive(
    contender: Contender, body_file: Path, settings: LoadSettings, seconds: float, cpus: CpuPlan
) -> LoadResult:
    expected_bytes = contender.outcome.answer_bytes
    return run_load(contender.url, body_file, expected_bytes, settings, seconds, cpus.load)
