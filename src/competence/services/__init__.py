"""Use cases that the CLI, the Python API and (later) the web app all call."""
