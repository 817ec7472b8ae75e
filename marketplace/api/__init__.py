"""HTTP API (FastAPI): translates requests into handler calls, results into JSON."""
