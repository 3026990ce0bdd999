"""IANA time zones: the names a member or a program file may give, and local days.

Rules that speak of days (campaign windows, expiry deadlines, birthdays, activity limits in a
member's day) read them in a named zone, never in the server's: a deadline must not move with
the host the code happens to run on.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from domain.errors import InvalidInput


def validate_time_zone(name: str, field: str = "timeZone") -> str:
    """Only a name the IANA database lists is accepted (not a file path such as "localtime",
    however ZoneInfo would read it)."""
    if name not in iana_zones():
        raise InvalidInput(field, f"{name[:64]!r} is not an IANA time zone")
    return name


@cache
def iana_zones() -> frozenset[str]:
    # The tz directory may also hold "localtime", a link to the host's zone: not a name.
    return frozenset(available_timezones()) - {"localtime", "posixrules"}


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(at: datetime, zone_name: str) -> date:
    """The calendar day `at` falls on in the zone."""
    return at.astimezone(zone(zone_name)).date()
