"""Routers of the HTTP API, one module per URL prefix, with the bodies it takes and answers."""
