"""MongoDB adapters (motor, or mongomock-motor for the embedded default). Motor stays here."""
