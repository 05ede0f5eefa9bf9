"""``read_jira``: one entry point for every Jira export, format detected by content.

A file is

* **REST JSON** when its first non-space character (after a BOM) is ``{`` or ``[``;
* **XML/RSS** when it is ``<``, or when the first line is a browser banner
  ("This XML file does not appear to have any style information ...") and the
  next non-empty line starts with ``<``;
* **CSV** otherwise.

The file name's extension is not used.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import Any

from ..errors import AttnTeamWarning, JiraFormatError
from ..model import Backlog
from ._assemble import RawExport, assemble
from ._files import read_head

__all__ = ["read_jira", "detect_format", "expand_paths"]

log = logging.getLogger(__name__)

_SNIFF = 4096
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
#: names skipped when a folder is read (documentation, team files, licences)
_SKIP_NAME = re.compile(r"^(readme|license|licence|copying|notice)\b", re.I)
_SKIP_SUFFIX = {".toml", ".yaml", ".yml", ".md", ".rst"}


def detect_format(head: bytes) -> str:
    """``"json"``, ``"xml"`` or ``"csv"`` from the first bytes of a file.

    Examples
    --------
    >>> detect_format(b'  {"issues": []}')
    'json'
    >>> detect_format(b"This XML file does not appear to have any style information.\\n<rss>")
    'xml'
    >>> detect_format(b"Summary,Issue key\\n")
    'csv'
    """
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom):]
            if bom != _BOMS[0]:  # UTF-16: look at every other byte
                head = head[::2] if bom == b"\xff\xfe" else head[1::2]
            break
    s = head.lstrip()
    if s[:1] in (b"{", b"["):
        return "json"
    if s[:1] == b"<":
        return "xml"
    lines = [ln.strip() for ln in s.splitlines()[:6]]
    rest = [ln for ln in lines[1:] if ln]
    if lines and rest and rest[0].startswith(b"<") and b"," not in lines[0][:20] and b"xml" in lines[0].lower():
        return "xml"
    return "csv"


_JIRA_JSON_KEYS = {"issues", "key", "fields", "values", "expand", "startAt", "maxResults", "total", "isLast",
                   "nextPageToken", "id", "self", "name", "schema", "issueLinkTypes", "changelog"}


_JIRA_HEAD = re.compile(rb'^\s*[\[{]\s*(?:\{\s*)?"(?:issues|expand|startAt|maxResults|total|isLast|nextPageToken|issueLinkTypes)"\s*:')


def _foreign_json(path: Path) -> bool:
    """True for a JSON file found in a folder that is plainly no Jira document (e.g. a truth or config file)."""
    import json

    head = read_head(path)
    if head is None:
        return False
    if _JIRA_HEAD.search(head):  # a search page or other Jira document: no need to decode it all
        return False
    try:
        obj = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return False  # let the JSON reader report it, with its place
    if isinstance(obj, dict):
        return not (_JIRA_JSON_KEYS & set(obj))
    if isinstance(obj, list):
        return bool(obj) and not any(isinstance(o, dict) and _JIRA_JSON_KEYS & set(o) for o in obj[:5])
    return True


def expand_paths(path_or_paths: Any) -> list[Path]:
    """Files named by a path, a list of paths, or a folder (its files, sorted; README, hidden and team files skipped)."""
    if isinstance(path_or_paths, (str, PathLike)):
        items: Iterable[Any] = [path_or_paths]
    else:
        try:
            items = list(path_or_paths)
        except TypeError:
            raise TypeError(f"read_jira() expects a path, a list of paths or a folder, not {type(path_or_paths).__name__}") from None
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            for f in sorted(p.iterdir()):
                if f.is_file() and not f.name.startswith(".") and not _SKIP_NAME.match(f.name) and f.suffix.lower() not in _SKIP_SUFFIX:
                    if f.suffix.lower() == ".json" and _foreign_json(f):
                        warnings.warn(f"{f}: skipped, not a Jira REST document (no issues, fields, sprints or keys)",
                                      AttnTeamWarning, stacklevel=3)
                        continue
                    out.append(f)
        elif p.exists():
            out.append(p)
        else:
            raise JiraFormatError("file not found; expected a Jira export (CSV, REST JSON or XML) or a folder of them", file=p)
    if not out:
        raise JiraFormatError(f"no files to read in {[str(Path(i)) for i in items]}; expected Jira exports")
    return out


def read_jira(path_or_paths: Any, *, teams: Any = None) -> Backlog:
    """Read Jira exports (CSV, REST JSON or XML, detected by content) into a :class:`~attn_team.Backlog`.

    Parameters
    ----------
    path_or_paths : path, list of paths, or folder
        Files to read; a folder stands for all its files (sorted; README, hidden,
        ``.toml``/``.yaml`` files skipped). All JSON files are read together (pages of
        one search, sprint lists, field lists); each CSV and XML file on its own. The
        same issue key in several files: the latest ``updated`` wins.
    teams : None, path, mapping or TeamRules, default=None
        Team rules (see :func:`attn_team.io.load_team_rules`).

    Returns
    -------
    Backlog
        Validated tables; warnings raised while reading are in ``backlog.warnings``.

    Raises
    ------
    JiraFormatError
        When a file cannot be read, naming the file, the place and what was expected.

    Examples
    --------
    >>> import attn_team
    >>> backlog = attn_team.read_jira("sample_data/jira-json", teams="sample_data/teams.toml")  # doctest: +SKIP
    """
    paths = expand_paths(path_or_paths)
    kinds_of: dict[Path, str] = {}
    for p in paths:
        try:
            with open(p, "rb") as fh:
                head = fh.read(_SNIFF)
        except OSError as exc:
            raise JiraFormatError(f"cannot open ({exc.strerror})", file=p) from None
        kind = detect_format(head)
        log.debug("%s: read as %s", p, kind)
        kinds_of[p] = kind
    # keep the order of the files (the later record wins ties in assemble); JSON files are
    # read together, at the place of the first one
    raws: list[RawExport] = []
    json_done = False
    for p in paths:
        kind = kinds_of[p]
        if kind == "csv":
            from ._csv import read_jira_csv

            raws.append(read_jira_csv(p))
        elif kind == "xml":
            from ._xml import read_jira_xml

            raws.append(read_jira_xml(p))
        elif not json_done:
            from ._json import read_jira_json

            raws.extend(read_jira_json([q for q in paths if kinds_of[q] == "json"], compact=True))
            json_done = True
    return assemble(raws, teams=teams)
