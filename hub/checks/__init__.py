"""The checks stage: the steps the DAG calls (plan, run a check, assemble) and the submit/wait workflow."""
