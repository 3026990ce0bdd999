"""Background jobs (arq): decisioning and message dispatch. See the journeys issue."""
