"""Configuration of subgraph error masking and demand control (operation cost limits)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MaskSetting = Literal["auto"] | bool


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorsConfig(_Section):
    """``auto`` masks subgraph error messages unless the router runs in development mode
    (``development: true``, which ``fedra dev`` sets); ``subgraphs`` overrides per subgraph."""

    mask_subgraph_errors: MaskSetting = "auto"
    subgraphs: dict[str, MaskSetting] = {}
    redacted_message: str = "Subgraph errors redacted"
    # Values the router nulls because the API schema does not allow them there (an
    # @inaccessible enum value, an unknown __typename, a null no error explains):
    # ``extensions`` reports them under ``extensions.valueCompletion`` (Apollo's behaviour),
    # ``errors`` as ordinary GraphQL errors.
    value_completion: Literal["extensions", "errors"] = "extensions"

    def masks(self, subgraph: str, development: bool) -> bool:
        setting = self.subgraphs.get(subgraph, self.mask_subgraph_errors)
        if setting == "auto":
            setting = self.mask_subgraph_errors
        if setting == "auto":
            return not development
        return setting


class DemandControlConfig(_Section):
    """Static cost analysis (IBM GraphQL cost spec: ``@cost``, ``@listSize``) of every operation
    before it runs; ``measure`` only records the cost, ``enforce`` also rejects over ``max``."""

    enabled: bool = True
    mode: Literal["measure", "enforce"] = "enforce"
    max: int = Field(default=50_000, ge=0)
    list_size: int = Field(default=10, ge=0)  # assumed size of a list without @listSize
    mutation_cost: int = Field(default=10, ge=0)  # extra cost of each root mutation field
    # Share of responses whose actual cost is measured (walking the response costs about as
    # much as shaping it: every response would halve the router's throughput).
    actual_cost_sample_rate: float = Field(default=0.01, ge=0, le=1)
