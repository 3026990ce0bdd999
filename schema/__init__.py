"""The GraphQL contract: types shared by every surface, assembled in app.execution.assembly."""
