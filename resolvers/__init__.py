"""Thin resolvers: authorize, build a domain command, call its handler, map the result."""
