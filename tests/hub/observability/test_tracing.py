"""A span per agency check, with ids and outcomes only; exported only when an OTLP endpoint is configured."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from hub.checks.steps import PipelineError, ReplyAwaited, run_check
from hub.observability.tracing import SPAN, build_provider, check_span, set_outcome
from hub.settings import HubSettings
from hub.store.home import open_store
from tests.hub.builders import example_referral


def test_nothing_is_exported_without_an_endpoint() -> None:
    assert build_provider({}) is None
    assert build_provider({"OTEL_EXPORTER_OTLP_ENDPOINT": ""}) is None


def test_an_endpoint_gets_a_batching_otlp_provider_named_for_the_hub() -> None:
    provider = build_provider({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SERVICE_NAME": "mash"})
    assert isinstance(provider, TracerProvider)
    try:
        assert provider.resource.attributes["service.name"] == "mash"
        [processor] = provider._active_span_processor._span_processors
        assert type(processor).__name__ == "BatchSpanProcessor"
        exporter = processor._batch_processor._exporter  # type: ignore[attr-defined]
        assert type(exporter).__module__.startswith("opentelemetry.exporter.otlp.proto.http")
    finally:
        provider.shutdown()


def test_a_span_carries_ids_attempt_and_outcome(spans: InMemorySpanExporter) -> None:
    with check_span("REF-1", "health", "S2", 3) as span:
        set_outcome(span, "found")
    [finished] = spans.get_finished_spans()
    assert finished.name == SPAN
    assert dict(finished.attributes or {}) == {
        "hub.referral_id": "REF-1",
        "hub.agency": "health",
        "hub.subject_id": "S2",
        "hub.check.attempt": 3,
        "hub.check.outcome": "found",
    }
    assert finished.status.status_code is StatusCode.UNSET


def test_an_error_is_recorded_by_its_type_alone(spans: InMemorySpanExporter) -> None:
    with pytest.raises(ValueError), check_span("REF-1", "police", "S1", 1):
        raise ValueError("Okafor-Reid is not a valid name")
    with pytest.raises(ReplyAwaited), check_span("REF-1", "police", "S1", 1, expected=(ReplyAwaited,)):
        raise ReplyAwaited.__new__(ReplyAwaited)
    failed, deferred = spans.get_finished_spans()
    assert failed.status.status_code is StatusCode.ERROR and failed.status.description == "ValueError"
    assert (failed.attributes or {})["hub.check.error"] == "ValueError"
    assert not failed.events  # no exception event: its message could quote personal data
    assert deferred.status.status_code is StatusCode.UNSET


def test_each_check_attempt_is_a_span_with_its_outcome(hub_home: Path, spans: InMemorySpanExporter) -> None:
    settings = HubSettings.from_env()
    referral = example_referral()
    open_store(settings).save_referral(referral, actor="test", purpose="referral_intake")
    with pytest.raises(PipelineError):
        run_check(referral.referral_id, "probation", "S1", settings)  # not registered: gives up at once
    [finished] = spans.get_finished_spans()
    attributes = dict(finished.attributes or {})
    assert (attributes["hub.agency"], attributes["hub.subject_id"], attributes["hub.check.attempt"]) == (
        "probation",
        "S1",
        1,
    )
    assert attributes["hub.check.outcome"] == "gave_up"
    assert finished.status.status_code is StatusCode.ERROR
