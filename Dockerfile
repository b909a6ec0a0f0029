# One image for the hub, its web application and every Airflow component (api-server, scheduler,
# dag-processor, triggerer, Celery workers): the same locked environment everywhere.
#
# Based on the official Apache Airflow image (its system libraries, the `airflow` user, uid 50000 and
# gid 0, which the Airflow Helm chart expects). The hub and Airflow itself come from `uv.lock`
# (`uv sync --locked`) into /opt/venv, first on PATH, so what runs is exactly what the tests ran.
# No secret is ever built into the image: compose `secrets:` and Kubernetes Secrets mount them at run time.
FROM apache/airflow:3.3.2-python3.11

ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HUB_HOME=/var/lib/hub \
    HUB_WEB_ASSETS_CACHE=/opt/mash-hub/web-assets

USER root
RUN mkdir -p /opt/venv /opt/mash-hub /var/lib/hub \
    && chown airflow:0 /opt/venv /opt/mash-hub /var/lib/hub \
    && chmod 0700 /var/lib/hub
USER airflow
WORKDIR /opt/mash-hub
RUN pip install --no-cache-dir --user uv
COPY --chown=airflow:0 pyproject.toml uv.lock README.md ./
COPY --chown=airflow:0 hub ./hub
COPY --chown=airflow:0 connectors ./connectors
COPY --chown=airflow:0 schemas ./schemas
COPY --chown=airflow:0 sandbox ./sandbox
COPY --chown=airflow:0 dags ./dags
COPY --chown=airflow:0 config ./config
COPY --chown=airflow:0 web ./web
RUN /home/airflow/.local/bin/uv sync --locked --no-dev
# The web application's front-end packages (npm ci from web/package-lock.json, npm from a locked wheel),
# installed once at build time so a running container never reaches a registry and can run read-only.
RUN python -c "from hub.frontend import installed_packages; installed_packages()"

# The official entrypoint prefixes every command with `airflow`; the hub's services run `hub ...` too,
# so each service names its whole command (`airflow scheduler`, `hub db upgrade`).
ENTRYPOINT ["/usr/bin/dumb-init", "--"]
CMD ["hub", "--help"]
