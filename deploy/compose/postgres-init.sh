#!/bin/sh
# PostgreSQL's first start (docker-entrypoint-initdb.d): separate roles and databases for Airflow's metadata
# and the hub's encrypted store, each role's password read from its compose secret file. psql reads the
# files itself (backquotes in \set), so no password is ever on a command line or in the environment.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<'SQL'
\set airflow_password `cat /run/secrets/airflow_db_password`
\set hub_password `cat /run/secrets/hub_db_password`
CREATE ROLE airflow LOGIN PASSWORD :'airflow_password';
CREATE DATABASE airflow OWNER airflow;
CREATE ROLE hub LOGIN PASSWORD :'hub_password';
CREATE DATABASE hub OWNER hub;
SQL
