"""OpenTelemetry tracing: a span per request and per subgraph fetch, W3C ``traceparent`` in and out.

The router continues the caller's trace (``traceparent``/``tracestate`` of the request) and
sends its own span context to every subgraph. Each app has its own tracer provider; spans are
recorded only when something receives them: an exporter (``console`` or ``otlp``) or a span
processor added later. Without one (exporter ``none``, the default) no span is created at all,
and the caller's own trace context, when it sent one, is forwarded to the subgraphs unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)
from opentelemetry.trace import Span, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from router.config.model import TelemetryConfig


class RouterTracing:
    def __init__(self, config: TelemetryConfig) -> None:
        self.enabled = config.tracing.enabled
        self.provider = TracerProvider(resource=Resource({"service.name": config.service_name}))
        processor = _exporter_processor(config)
        # Whether spans are created: only when enabled and something receives them.
        self.recording = False
        if processor is not None:
            self.add_span_processor(processor)
        self.tracer: Tracer = self.provider.get_tracer("fedra.router")
        self._propagator = TraceContextTextMapPropagator()

    def add_span_processor(self, processor: SpanProcessor) -> None:
        self.provider.add_span_processor(processor)
        self.recording = self.enabled

    def extract(self, headers: Mapping[str, str]) -> Context:
        return self._propagator.extract(dict(headers))

    def inject(self, carrier: MutableMapping[str, str]) -> None:
        """Write the current span context (``traceparent``, ``tracestate``) into ``carrier``."""
        self._propagator.inject(carrier)

    def inject_span(self, carrier: MutableMapping[str, str], span: Span) -> None:
        """Write ``span``'s context into ``carrier``: its children continue from it."""
        self._propagator.inject(carrier, context=trace.set_span_in_context(span))

    def caller_trace(self, headers: Mapping[str, str]) -> tuple[str | None, dict[str, str]]:
        """The caller's trace id and its valid W3C trace context headers (none when it sent
        no valid ``traceparent``), to forward when no span of the router's own is recorded."""
        if "traceparent" not in headers:
            return None, {}
        context = self.extract(headers)
        span_context = trace.get_current_span(context).get_span_context()
        if not span_context.is_valid:
            return None, {}
        carrier: dict[str, str] = {}
        self._propagator.inject(carrier, context=context)
        return format(span_context.trace_id, "032x"), carrier

    def shutdown(self) -> None:
        self.provider.shutdown()


def _exporter_processor(config: TelemetryConfig) -> SpanProcessor | None:
    tracing = config.tracing
    if not tracing.enabled or tracing.exporter == "none":
        return None
    if tracing.exporter == "console":
        return SimpleSpanProcessor(ConsoleSpanExporter())
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found,unused-ignore]
            OTLPSpanExporter,
        )
    except ImportError as error:
        raise RuntimeError(
            "telemetry.tracing.exporter 'otlp' needs the OTLP exporter: pip install 'fedra[otlp]'"
        ) from error
    # Without an endpoint the exporter reads OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and friends.
    exporter = (
        OTLPSpanExporter(endpoint=tracing.otlp_endpoint)
        if tracing.otlp_endpoint
        else (OTLPSpanExporter())
    )
    processor: SpanProcessor = BatchSpanProcessor(exporter)
    return processor
