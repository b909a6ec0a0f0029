"""Health sandbox: the NHS Personal Demographics Service (PDS) FHIR API, A&E and CP-IS."""
