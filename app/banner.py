"""What `tessera serve` prints when it starts: where to go, what store it runs on, and (for
the demo, never in production) a bearer token per surface as shell lines to paste."""

from __future__ import annotations

from app.auth import issue_token
from app.consoles import PREFIX, names
from app.demo import DEMO_STORE
from app.settings import Settings
from domain.access import Role

IN_MEMORY = (
    "embedded, in memory: every change is lost when the server stops, and the demo "
    "starts over; set TESSERA_MONGODB_URL to keep data"
)

# Which demo token each console opens with (the store screen is the POS token's store's).
CONSOLE_TOKENS = {
    "pos": "POS_TOKEN",
    "store": "POS_TOKEN",
    "member": "MEMBER_TOKEN",
    "callcenter": "CALLCENTER_TOKEN",
    "admin": "ADMIN_TOKEN",
}


def banner(settings: Settings, program_name: str) -> str:
    host = f"{settings.host}:{settings.port}"
    url = f"http://{host}/graphql"
    store = "MongoDB at TESSERA_MONGODB_URL" if settings.mongodb_url else IN_MEMORY
    lines = [
        f"Tessera: {program_name}",
        f"GraphQL (GraphiQL in a browser): {url}",
        f"Store: {store}",
    ]
    if settings.demo and not settings.production:
        secret, kid = settings.secret.get_secret_value(), settings.token_key_id

        def token(role: Role, member: str | None = None, store: str | None = None) -> str:
            return issue_token(secret, role, member, store, key_id=kid)

        tokens = {
            "MEMBER_TOKEN": ("member (Ada, app)", token(Role.MEMBER, "mbr_demo_ada")),
            "POS_TOKEN": (f"pos ({DEMO_STORE})", token(Role.POS, None, DEMO_STORE)),
            "CALLCENTER_TOKEN": ("callcenter", token(Role.CALLCENTER)),
            "ADMIN_TOKEN": ("admin", token(Role.ADMIN)),
            "PARTNER_TOKEN": (
                "partner (skyways, the demo's airline)",
                issue_token(secret, Role.PARTNER, key_id=kid, partner="skyways"),
            ),
        }
        lines.append("Bearer tokens for the demo (valid 24 h); paste these lines into a shell:")
        lines += [f"  export {name}={token}  # {who}" for name, (who, token) in tokens.items()]
    else:
        tokens = {}
    lines.append("Consoles (a token after # stays in the browser):")
    for console in names():
        demo = tokens.get(CONSOLE_TOKENS.get(console, ""))
        fragment = f"#token={demo[1]}" if demo else ""
        lines.append(f"  {console:<10} http://{host}{PREFIX}/{console}{fragment}")
    return "\n".join(lines)
