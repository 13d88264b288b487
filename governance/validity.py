"""An agreement's validity in China's calendar, as every deadline is (governance/workdays.py).

    --valid-from 2026-01-01 --valid-until 2027-12-31

means from the start of 1 January 2026 to the end of 31 December 2027 in China (Asia/Shanghai,
UTC+8 all year: China has no daylight saving time). A date-time without a zone is China time
too; one with a zone is that instant.

Stored as the two instants [valid_from, valid_until) (the end is the start of the China day
after the last valid one), in UTC ISO form as the signed application always held them, so a
stored agreement is unambiguous and one stored before dates were China dates (they were taken
as UTC midnight, 08:00 in China) reads as it always did: shown, it keeps its time of day.

Shown (`show_validity`) a bound on a China midnight is a China date, the end as the last valid
day (inclusive); any other instant is an ISO date-time in China time (until that instant).
"""

from __future__ import annotations

import datetime as dt

from governance.workdays import CHINA_TIME
from pprl.errors import InputError

_ONE_DAY = dt.timedelta(days=1)


def _china_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=CHINA_TIME)


def parse_validity(text: str, field: str, *, until: bool = False) -> dt.datetime:
    """The instant a --valid-from (or, with `until`, a --valid-until) option names."""
    value = text.strip()
    try:
        day = dt.date.fromisoformat(value)  # a date alone: a China date
    except ValueError:
        pass
    else:
        return _china_midnight(day + _ONE_DAY if until else day)
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"not an ISO date or date-time: {text!r}", field=field) from None
    return when if when.tzinfo else when.replace(tzinfo=CHINA_TIME)


def show_validity(when: dt.datetime, *, until: bool = False) -> str:
    """A stored bound as China sees it: a date on a China midnight, else a date-time."""
    local = when.astimezone(CHINA_TIME)
    if local.time() == dt.time(0, 0):
        return (local.date() - _ONE_DAY if until else local.date()).isoformat()
    return local.isoformat()
