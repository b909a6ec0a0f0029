"""Agency connectors: one module per agency, each built on the connector SDK (`connectors.sdk`).

Importing this package imports no agency: each is loaded by the registry when an entry in
`config/agencies.yaml` names it, so a process pays only for the agencies it calls.
"""
