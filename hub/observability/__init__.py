"""What operators watch the hub by: structured logs, traces of agency checks, and a Prometheus endpoint.

- `logs`: JSON log lines for the hub's own loggers (`configure_logging`), under the no-personal-data
  policy: a line carries ids, counts, states and durations, never a name, address or NHS number.
- `tracing`: an OpenTelemetry span per agency check (`check_span`), exported only when
  `OTEL_EXPORTER_OTLP_ENDPOINT` is set, a no-op otherwise.
- `exposition`: serving a Prometheus registry on loopback, or elsewhere behind a bearer token.

The figures themselves are computed from the hub's database at scrape time (`hub.checks.metrics`), because
checks run in many worker processes whose in-process counters would not add up.

Nothing is imported here, so a process loads only what it uses (the OpenTelemetry SDK stays out of one
that does not export).
"""
