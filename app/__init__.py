"""Composition root: settings, wiring, the FastAPI app, auth and the `tessera` command."""
