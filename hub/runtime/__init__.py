"""Supervisors of other processes: Airflow, the agency sandboxes and the demo."""
