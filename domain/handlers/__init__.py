"""Use cases: load through ports, decide with pure rules, write atomically, relay the outbox."""
