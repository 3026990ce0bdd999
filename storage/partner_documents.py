"""A member's partner links <-> its document field (`partner_links`), with short keys:
p(artner), x (external id), l(inked at). Always written, even empty: a member's save sets
only the fields that changed, so an unlink must write the shorter list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.partners import PartnerLink


def partner_links_doc(links: tuple[PartnerLink, ...]) -> dict[str, Any]:
    return {
        "partner_links": [{"p": k.partner, "x": k.external_id, "l": k.linked_at} for k in links]
    }


def partner_links_from(
    doc: dict[str, Any], as_utc: Callable[[datetime], datetime]
) -> tuple[PartnerLink, ...]:
    """`as_utc`: MongoDB hands back naive UTC datetimes (`storage.documents.utc`)."""
    return tuple(PartnerLink(k["p"], k["x"], as_utc(k["l"])) for k in doc.get("partner_links", ()))
