-- Separate databases for Airflow's metadata and the hub's encrypted store (docker-compose only).
CREATE USER airflow WITH PASSWORD 'airflow';
CREATE DATABASE airflow OWNER airflow;
CREATE USER hub WITH PASSWORD 'hub';
CREATE DATABASE hub OWNER hub;
