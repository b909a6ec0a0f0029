"""Each sandbox authenticates its clients as its real counterpart does, so connectors meet real auth in tests.

* Health: the NHS API Platform's application-restricted "signed JWT" pattern (OAuth 2.0 client
  credentials with a private-key JWT assertion, RS512), `SignedJwtGuard`.
* Housing: OAuth 2.0 client credentials with a client id and secret (RFC 6749), `ClientSecretGuard`.
* Education: a static API key in `X-API-Key`, `ApiKeyGuard`.
* Police: mutual TLS. uvicorn's TLS layer refuses clients without a certificate from the dev CA
  (`DevPki.server_ssl_kwargs(require_client_cert=True)`); `MutualTlsGuard` only refuses plain HTTP.

Credentials are issued per sandbox run (`credentials.issue_credentials`). Their
`connector_credentials()` view is the JSON the hub's connectors read
(`connectors.sdk.auth.AgencyCredentials`); `write_credentials_file` writes one such object per
agency to a 0600 file. Every guard is a `guard.SandboxGuard`; each scheme has its own module
(`signed_jwt`, `client_secret`, `api_key`, `mutual_tls`).

Usage::

    client = issue_credentials("nhs_signed_jwt")
    app = new_app("Health")
    SignedJwtGuard([client], render_error).install(app)   # POST /oauth2/token; every other path guarded

Paths under `/_sandbox/` (test hooks) are never guarded. Nothing secret is logged or echoed.
"""
