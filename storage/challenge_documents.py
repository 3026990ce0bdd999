"""A member's challenge rounds <-> their document fields, with short names as batches have."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.challenge_rules import ChallengeProgress

Doc = dict[str, Any]


def challenges_to_doc(rounds: tuple[ChallengeProgress, ...]) -> Doc:
    """c(hallenge), b(egan at), d(eadline), n (purchases), s(pent), v(isited stores),
    f(inished at), k (rounds completed), o(wed voucher); absent when the member has none, so
    members without challenges keep the documents they had."""
    if not rounds:
        return {}
    return {
        "challenges": [
            {
                "c": r.challenge_id,
                "b": r.started_at,
                "d": r.deadline,
                "n": r.count,
                "s": str(r.spent),
                "v": list(r.stores),
                "f": r.completed_at,
                "k": r.completions,
                "o": r.voucher_due,
            }
            for r in rounds
        ]
    }


def challenges_from_doc(doc: Doc) -> tuple[ChallengeProgress, ...]:
    from storage.documents import utc

    return tuple(
        ChallengeProgress(
            r["c"],
            utc(r["b"]),
            None if r["d"] is None else utc(r["d"]),
            r["n"],
            Decimal(r["s"]),
            tuple(r["v"]),
            None if r["f"] is None else utc(r["f"]),
            r["k"],
            r["o"],
        )
        for r in doc.get("challenges", ())
    )
