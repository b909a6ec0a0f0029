# One image for the hub, the sandboxes and Airflow: the same locked environment everywhere.
FROM python:3.11-slim
ENV UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1
RUN pip install --no-cache-dir uv
WORKDIR /opt/mash-hub
COPY pyproject.toml uv.lock README.md ./
COPY hub ./hub
COPY connectors ./connectors
COPY schemas ./schemas
COPY sandbox ./sandbox
COPY dags ./dags
COPY config ./config
RUN uv sync --locked --no-dev
RUN useradd --create-home --uid 50000 hub && mkdir -p /var/lib/hub && chown hub /var/lib/hub
USER hub
ENV HUB_HOME=/var/lib/hub
