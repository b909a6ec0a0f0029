"""An OpenTelemetry span for each agency check, exported only when an OTLP endpoint is configured.

The span's attributes are ids and outcomes alone (`hub.referral_id`, `hub.agency`, `hub.subject_id`,
`hub.check.attempt`, `hub.check.outcome`): a subject id is the referral's own `S1`, never a person's
identifier. Exceptions are not recorded on the span (their text may quote personal data), only their type.

Without `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) nothing is set up: the
OpenTelemetry API's default tracer is a no-op costing well under a microsecond a span, and the SDK is not
imported. If the process already has a tracer provider (Airflow's own, with `[traces] otel_on`), the
hub's spans go to it rather than to a second one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from opentelemetry import trace

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

TRACER = "hub.checks"
SPAN = "hub.check"
SERVICE = "mash-hub"
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
_lock = threading.Lock()
_configured = False


def exporting(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether an OTLP endpoint is configured (the only case in which the hub exports spans)."""
    return any(environ.get(name) for name in ENDPOINT_VARIABLES)


def build_provider(environ: Mapping[str, str] = os.environ) -> TracerProvider | None:
    """A tracer provider batching spans to the configured OTLP endpoint, or None when none is configured.

    The exporter reads the standard `OTEL_EXPORTER_OTLP_*` variables itself (endpoint, headers,
    certificate); `OTEL_EXPORTER_OTLP_PROTOCOL=grpc` chooses gRPC where its exporter is installed,
    HTTP/protobuf otherwise. `OTEL_SERVICE_NAME` names the service (`mash-hub` by default).
    """
    if not exporting(environ):
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

    exporter: SpanExporter
    protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "")
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

        exporter = GrpcExporter()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

        exporter = HttpExporter()
    resource = Resource.create({"service.name": environ.get("OTEL_SERVICE_NAME") or SERVICE})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def configure_tracing() -> None:
    """Install the exporting provider once per process, if an endpoint is configured and none is installed."""
    global _configured
    if _configured or not exporting():
        return
    with _lock:
        if _configured:
            return
        _configured = True
        if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
            return  # Airflow (or the host) already installed one: the hub's spans join its traces.
        provider = build_provider()
        if provider is not None:
            trace.set_tracer_provider(provider)


@contextmanager
def check_span(
    referral_id: str, agency: str, subject_id: str, attempt: int, *, expected: tuple[type[BaseException], ...] = ()
) -> Iterator[trace.Span]:
    """A span around one agency check; the caller sets the outcome with `set_outcome`.

    An exception leaving the block marks the span as an error by its type alone, unless it is one of
    `expected` (a check deferring to await a reply is not an error).
    """
    configure_tracing()
    tracer = trace.get_tracer(TRACER)
    attributes: dict[str, str | int] = {
        "hub.referral_id": referral_id,
        "hub.agency": agency,
        "hub.subject_id": subject_id,
        "hub.check.attempt": attempt,
    }
    with tracer.start_as_current_span(
        SPAN, attributes=attributes, record_exception=False, set_status_on_exception=False
    ) as span:
        try:
            yield span
        except expected:
            raise
        except BaseException as error:
            span.set_attribute("hub.check.error", type(error).__name__)
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(error).__name__))
            raise


def set_outcome(span: trace.Span, outcome: str) -> None:
    """The check's outcome as a code (`answered`, `no_record`, `retrying`, `gave_up`, `superseded`, ...)."""
    span.set_attribute("hub.check.outcome", outcome)
