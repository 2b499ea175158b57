"""The one helper every skip for a missing tool goes through: skips, or fails when required."""

from __future__ import annotations

import pytest

from tests.conftest import REQUIRE_NODE, REQUIRE_REDIS, SWITCHES, require


def test_nothing_happens_when_the_tool_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_NODE, "1")
    require(REQUIRE_NODE, None)


def test_a_missing_tool_skips_without_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_REDIS, raising=False)
    with pytest.raises(pytest.skip.Exception, match="redis-server is not installed"):
        require(REQUIRE_REDIS, "redis-server is not installed")


@pytest.mark.parametrize("switch", SWITCHES)
def test_a_missing_tool_fails_with_the_switch(switch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(switch, "1")
    with pytest.raises(pytest.fail.Exception, match=f"no tool \\({switch}=1 requires it\\)"):
        require(switch, "no tool")


def test_a_switch_set_to_anything_but_1_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_NODE, "yes")
    with pytest.raises(pytest.skip.Exception):
        require(REQUIRE_NODE, "node is not on PATH")


def test_an_unknown_switch_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="unknown switch"):
        require("FEDRA_REQUIRE_NOTHING", None)
