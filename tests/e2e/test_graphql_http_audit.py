"""The GraphQL-over-HTTP audit (npm graphql-http's `auditServer`, run by
clients/examples/node/audit.mjs) against a real `tessera serve`: no MUST and no SHOULD
may fail."""

from __future__ import annotations

import re

from tests.e2e.served import tessera_serve
from tests.e2e.test_client_examples import node_script, start, stop

FIGURE = re.compile(r"(MUST|SHOULD|MAY) (\d+)/(\d+)")


async def test_every_must_and_should_of_the_graphql_http_audit_passes() -> None:
    run = await node_script("audit.mjs")
    async with tessera_serve() as served:
        audit = await start(run, f"127.0.0.1:{served.port}", served.tokens["pos"])
        try:
            exit_code = await audit.exit_code()
        finally:
            await stop(audit)
    assert audit.process.stdout is not None
    out = await audit.process.stdout.read()
    report = out.decode()
    print(report)  # what failed, if anything, with the server's answer

    figures = {m[1]: (int(m[2]), int(m[3])) for m in FIGURE.finditer(report)}
    assert set(figures) == {"MUST", "SHOULD", "MAY"}, f"{report}\n{await audit.stderr()}"
    for level in ("MUST", "SHOULD"):
        passed, total = figures[level]
        assert total > 0 and passed == total, f"{level} {passed}/{total}:\n{report}"
    assert exit_code == 0, await audit.stderr()
