"""`python -m marketplace` runs the CLI."""

from marketplace.cli.main import app

app()
