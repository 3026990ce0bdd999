"""The greeting cues staff see on the member card and the store screen (domain.greeting)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import greeting as greeting_domain
from schema.views import view_type

if TYPE_CHECKING:  # the checker sees the domain's class, which the resolver hands over
    from domain.greeting import GreetingCues
else:
    GreetingCues = view_type(
        greeting_domain.GreetingCues,
        descriptions={
            "new_member": "enrolled in the last 30 days: welcome them",
            "birthday_week": "this is the member's birthday week, in their time zone",
            "win_back": "at risk of leaving (the win-back rule, as `weMissYou`): welcome back",
            "tier_reached_at": "when the member reached the tier they hold; null: since enrolling",
            "tier_changed_recently": "the tier changed in the last 14 days (an upgrade, unless "
            "a requalification stepped it down): time to celebrate",
        },
    )

__all__ = ["GreetingCues"]
