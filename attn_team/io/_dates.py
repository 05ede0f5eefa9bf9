"""Jira's date formats -> UTC timestamps.

Jira writes dates in CSV exports in the exporting user's format and language:
``25/Oct/25 12:53 PM`` (the default ``dd/MMM/yy h:mm a``), ``10/nov/25 4:51 PM``
(Spanish month names), ``10/ene/2025 16:51``, and ISO 8601 (``2025-11-10T16:51:00.000+0000``)
in REST JSON. Dates without a time-zone are taken as UTC (Jira writes them in the
exporting user's zone, which the file does not record).

To support another language, add its month abbreviations to :data:`MONTHS`.

Examples
--------
>>> parse_jira_date("10/nov/25 4:51 PM")
Timestamp('2025-11-10 16:51:00+0000', tz='UTC')
>>> parse_jira_date("2025-11-10T16:51:00.000+0100")
Timestamp('2025-11-10 15:51:00+0000', tz='UTC')
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import JiraFormatError

__all__ = ["MONTHS", "parse_jira_date", "parse_jira_dates", "EXPECTED_DATE", "in_range", "RANGE"]

#: What a time column holds (nanoseconds since 1970 in 64 bits), for error messages.
RANGE = "between 1677-09-22 and 2262-04-11 (the range of a pandas timestamp)"


def in_range(ts: pd.Timestamp) -> bool:
    """Whether a time-zone aware ``ts`` fits a ``datetime64[ns]`` column (pandas parses wider ranges)."""
    if 1677 < ts.year < 2262:  # the exact bounds only matter in their own years (the year is cheap to read)
        return True
    return pd.Timestamp.min < ts.tz_convert(None) < pd.Timestamp.max

_MONTH_NAMES = {
    1: ["jan", "january", "ene", "enero", "janv", "janvier", "jän", "jänner", "januar", "gen", "gennaio", "janeiro", "янв", "январь", "января"],
    2: ["feb", "february", "febrero", "févr", "fév", "fevr", "février", "februar", "febbraio", "fev", "fevereiro", "фев", "февраль", "февраля"],
    3: ["mar", "march", "marzo", "mars", "mär", "mrz", "märz", "marzo", "março", "mrt", "maart", "мар", "март", "марта"],
    4: ["apr", "april", "abr", "abril", "avr", "avril", "aprile", "апр", "апрель", "апреля"],
    5: ["may", "mayo", "mai", "mag", "maggio", "maio", "mei", "май", "мая"],
    6: ["jun", "june", "junio", "juin", "juni", "giu", "giugno", "junho", "июн", "июнь", "июня"],
    7: ["jul", "july", "julio", "juil", "juillet", "juli", "lug", "luglio", "julho", "июл", "июль", "июля"],
    8: ["aug", "august", "ago", "agosto", "août", "aout", "авг", "август", "августа"],
    9: ["sep", "sept", "september", "septiembre", "set", "setiembre", "septembre", "settembre", "setembro", "сен", "сент", "сентябрь", "сентября"],
    10: ["oct", "october", "octubre", "octobre", "okt", "oktober", "ott", "ottobre", "out", "outubro", "окт", "октябрь", "октября"],
    11: ["nov", "november", "noviembre", "novembre", "novembro", "ноя", "нояб", "ноябрь", "ноября"],
    12: ["dec", "december", "dic", "diciembre", "déc", "decembre", "décembre", "dez", "dezember", "dicembre", "dezembro", "дек", "декабрь", "декабря"],
}
#: lower-case month name or abbreviation (any supported language) -> month number
MONTHS: dict[str, int] = {name: m for m, names in _MONTH_NAMES.items() for name in names}

EXPECTED_DATE = (
    "expected a Jira date such as '25/Oct/25 12:53 PM' or '10/nov/25 16:51' "
    "(month names in English, Spanish, French, German, Italian, Portuguese, Dutch or Russian) "
    "or ISO 8601 such as '2025-10-25T12:53:00.000+0000'"
)

# dd/MMM/yy h:mm[:ss] [AM|PM|a. m.|p. m.]  (separators / - . or space)
_JIRA = re.compile(
    r"""^\s*(?P<d>\d{1,2})[/\-. ](?P<mon>[^\W\d_]+)\.?[/\-. ](?P<y>\d{4}|\d{2})
        (?:[\sT,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?
        \s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?)?\s*$""",
    re.X,
)
_ISO_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_jira_date(value: str) -> pd.Timestamp | None:
    """Parse one Jira date; ``None`` for an empty value; ``ValueError`` when unreadable."""
    if value is None:
        return None
    s = str(value).strip()
    if not s:
        return None
    m = _JIRA.match(s)
    if m:
        month = MONTHS.get(m["mon"].casefold())
        if month is None:
            raise ValueError(f"unknown month name {m['mon'][:20]!r}")
        year = int(m["y"])
        if len(m["y"]) == 2:
            year += 2000 if year < 69 else 1900
        hour = int(m["H"] or 0)
        if m["ampm"]:
            if not 1 <= hour <= 12:
                raise ValueError(f"hour {hour} with AM/PM")
            pm = m["ampm"][0] in "pP"
            hour = hour % 12 + (12 if pm else 0)
        ts = _dt.datetime(year, month, int(m["d"]), hour, int(m["M"] or 0), int(m["S"] or 0), tzinfo=_dt.timezone.utc)
        return pd.Timestamp(ts)
    if not s[:1].isdigit() or len(s) < 10 or s[4] != "-":
        raise ValueError("not a Jira or ISO 8601 date")
    iso = _ISO_OFFSET.sub(r"\1:\2", s) if "T" in s or " " in s else s
    try:
        ts = _dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        ts = pd.Timestamp(s).to_pydatetime()  # raises ValueError when unreadable
    ts = pd.Timestamp(ts)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


_DAY = re.compile(r"^(\d{1,2})[/\-. ]([^\W\d_]+)\.?[/\-. ](\d{4}|\d{2})$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([AaPp])\.?\s?[Mm]\.?)?$")
_NAT = np.datetime64("NaT", "ns")
_NAT_DELTA = np.timedelta64("NaT", "ns")


def _day(s: str) -> np.datetime64:
    m = _DAY.match(s)
    month = MONTHS.get(m.group(2).casefold()) if m else None
    if month is None:
        return _NAT
    year = int(m.group(3))
    if len(m.group(3)) == 2:
        year += 2000 if year < 69 else 1900
    try:
        return np.datetime64(_dt.date(year, month, int(m.group(1))), "ns")
    except ValueError:
        return _NAT


def _clock(s: str) -> np.timedelta64:
    if not s:
        return np.timedelta64(0, "ns")
    m = _CLOCK.match(s)
    if m is None:
        return _NAT_DELTA
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if m.group(4):
        if not 1 <= hour <= 12:
            return _NAT_DELTA
        hour = hour % 12 + (12 if m.group(4) in "pP" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return _NAT_DELTA
    return np.timedelta64((hour * 60 + minute) * 60 + second, "s").astype("timedelta64[ns]")


def _split_parse(uniq: list[str]) -> np.ndarray:
    """Jira-format dates (``dd/MMM/yy h:mm a`` and variants), as datetime64[ns]; NaT for anything else.

    The day and the clock time are parsed separately, each distinct day and time once:
    an export has few distinct days and at most 1,440 distinct minutes.
    """
    if not uniq:
        return np.empty(0, dtype="datetime64[ns]")
    days, times = [], []
    for u in uniq:
        d, _, t = u.partition(" ")
        days.append(d)
        times.append(t.strip())
    dcodes, duniq = pd.factorize(np.array(days, dtype=object))
    tcodes, tuniq = pd.factorize(np.array(times, dtype=object))
    dvals = np.array([_day(x) for x in duniq.tolist()], dtype="datetime64[ns]")
    tvals = np.array([_clock(x) for x in tuniq.tolist()], dtype="timedelta64[ns]")
    return dvals[dcodes] + tvals[tcodes]


def parse_jira_dates(values: Sequence[str] | np.ndarray | pd.Series, *, file=None, field=None) -> pd.Series:
    """Parse a column of Jira dates into a ``datetime64[ns, UTC]`` Series (``NaT`` when empty).

    Each distinct value is parsed once, and the Jira-format ones are converted in
    one vectorised call, so a 100,000-row column costs little more than finding its
    distinct values.

    Raises
    ------
    JiraFormatError
        Naming ``file``, ``field`` and the 1-based ``row`` of the first unreadable value.
    """
    arr = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    uniq = [u.strip() if isinstance(u, str) else "" for u in uniques.tolist()]
    nonempty = np.fromiter((bool(u) for u in uniq), dtype=bool, count=len(uniq))
    parsed = _split_parse(uniq)
    for i in np.flatnonzero(nonempty & np.isnat(parsed)).tolist():
        u = uniq[i]
        try:  # ISO 8601, or an error message for what is neither
            ts = parse_jira_date(u)
            if not in_range(ts):
                raise ValueError(f"out of range: expected a date {RANGE}")
        except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
            row = int(np.flatnonzero(codes == i)[0]) + 1
            raise JiraFormatError(f"invalid date {u[:60]!r} ({exc}); {EXPECTED_DATE}", file=file, row=row, field=field) from None
        parsed[i] = ts.tz_convert(None).to_datetime64()
    out = np.full(len(arr), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = codes >= 0
    if len(parsed):
        out[ok] = parsed[codes[ok]]
    return pd.Series(out).dt.tz_localize("UTC")
