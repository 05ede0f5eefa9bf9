"""The shipped ``sample_data/`` folder: :func:`write_sample_data` and the command line."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from ._build import generate
from ._writers import (
    _iso,
    truth_json,
    write_jira_csv,
    write_jira_json_pages,
    write_teams_file,
)

log = logging.getLogger(__name__)


_README = """\
# Sample data: a generated organisation

Everything here is **synthetic** (no real people or companies) and is regenerated,
byte for byte, by

    python -m attn_team.synthetic sample_data

(`attn_team.synthetic.generate(random_state=0)`; a test checks the files match).

## What is inside

| file | what |
|---|---|
| `jira-export.csv` | Jira Cloud "Export CSV (all fields)": repeated `Labels`, `Components`, `Fix versions`, `Watchers`, `Sprint`, `Comment` columns, `Inward/Outward issue link (<type>)` columns, `Parent`/`Parent key`, `Custom field (Story Points)`, `Custom field (Team)`, dates like `05/Nov/25 2:00 PM` (UTC) |
| `jira-json/search-*.json` | the same issues as REST v2 search pages (`startAt`/`total`, {page_size} per page) with `expand=changelog` histories (status, Sprint, assignee, Story Points changes) |
| `jira-json/fields.json` | `/rest/api/2/field` list naming the sprint (`customfield_10020`, gh-sprint), story-point (`customfield_10016`) and Team (`customfield_10001`) fields |
| `jira-json/sprints.json` | Agile API sprint list with start, end and complete dates |
| `teams.toml` | teams file: components and people -> team |
| `truth.json` | what the generator planted: related-but-unlinked cross-team pairs, existing cross-team links, the coordination gap, per-sprint committed / added / removed / completed / carried-over counts and points, and the planted cost of cross-team waiting (items waiting on another team's unfinished item take `waiting_cost.days` longer) |

The organisation: {n_teams} teams ({team_list}), {n_people} people, {n_sprints} two-week sprints
per team ({n_closed} closed, 1 active, 1 future; "now" is {now}), {n_items} items
({types}), {n_links} links ({link_types}), {n_events} changelog events,
{n_planted} planted cross-team pairs and {n_linked} linked cross-team pairs. The
coordination gap is {gap}: their work is coupled through planted pairs, but they
share no links and no people.

## How to import it

```python
import attn_team

backlog = attn_team.read_jira("sample_data/jira-export.csv", teams="sample_data/teams.toml")
backlog = attn_team.read_jira("sample_data/jira-json", teams="sample_data/teams.toml")  # with changelogs

with attn_team.Workspace("demo.duckdb") as ws:
    ws.import_files(["sample_data/jira-json"], teams="sample_data/teams.toml")
    backlog = ws.backlog()
```

or `attn-team import sample_data/jira-json --teams sample_data/teams.toml`.

Import `jira-export.csv` or `jira-json/` (or both: the same issues, sprints are
matched by name), not the whole folder: `truth.json` is the answer key, not an export.

`truth.json` is what evaluations compare against: `planted_pairs` (related work in
two teams that nobody linked; a good dependency finder ranks each partner high),
`linked_cross_team` (the links that exist), `coordination_gap` and
`sprint_truth` (the definitions are in the file).
"""


def write_sample_data(folder, *, page_size: int = 500, **params) -> list[Path]:
    """Generate an organisation and write the sample-data folder.

    Parameters
    ----------
    folder : str or Path
        Created if missing; ``jira-export.csv``, ``jira-json/``, ``teams.toml``,
        ``truth.json`` and ``README.md`` are (over)written.
    page_size : int, default=500
        Issues per REST search page.
    **params
        Passed to :func:`generate` (defaults give the shipped ``sample_data/``).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    org = generate(**params)
    org.extras["params"] = {k: (str(v) if k == "now" else v) for k, v in params.items()}
    files = [write_jira_csv(org, folder / "jira-export.csv")]
    files += write_jira_json_pages(org, folder / "jira-json", page_size=page_size)
    files.append(write_teams_file(org, folder / "teams.toml"))
    (folder / "truth.json").write_text(truth_json(org), encoding="utf-8")
    files.append(folder / "truth.json")
    b = org.backlog
    s = b.summary()
    types = b.items["type"].value_counts()
    ltypes = b.links["link_type"].value_counts()
    sprints = b.sprints
    text = _README.format(
        page_size=page_size,
        n_teams=len(org.truth["teams"]),
        team_list=", ".join(org.truth["teams"]),
        n_people=s["people"],
        n_sprints=int((sprints["team"] == sprints["team"].iloc[0]).sum()),
        n_closed=int((sprints["team"] == sprints["team"].iloc[0]).sum()) - 2,
        now=_iso(org.extras["now"]),
        n_items=f"{s['items']:,}",
        types=", ".join(f"{n} {t}" for t, n in types.items()),
        n_links=s["links"],
        link_types=", ".join(f"{n} {t}" for t, n in ltypes.items()),
        n_events=f"{s['events']:,}",
        n_planted=len(org.truth["planted_pairs"]),
        n_linked=len(org.truth["linked_cross_team"]),
        gap=" and ".join(org.truth["coordination_gap"]),
    )
    (folder / "README.md").write_text(text, encoding="utf-8")
    files.append(folder / "README.md")
    return files


def _main(argv: Sequence[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m attn_team.synthetic",
                                 description="Write a generated organisation into FOLDER: the sample folder (default), "
                                             "or --format json-pages for a large one streamed as REST search pages.")
    ap.add_argument("folder", help="output folder, e.g. sample_data")
    ap.add_argument("--n-items", "--items", dest="n_items", type=int, default=None,
                    help="number of items (default 2000 for the sample, 100000 for json-pages)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--format", choices=("sample", "json-pages"), default="sample",
                    help="sample: CSV, JSON pages, teams file and truth (in memory); "
                         "json-pages: a large organisation streamed to FOLDER/jira-json page by page")
    ap.add_argument("--page-size", type=int, default=None, help="issues per search page (500 sample, 1000 json-pages)")
    ap.add_argument("--items-per-division", type=int, default=10_000, help="json-pages: items per division of 8 teams")
    ap.add_argument("--no-progress", action="store_true", help="json-pages: no progress bar")
    args = ap.parse_args(argv)
    if args.format == "json-pages":
        from ._large import write_large_org

        logging.basicConfig(level=logging.INFO, format="%(message)s")
        try:
            files = write_large_org(args.folder, n_items=args.n_items or 100_000, random_state=args.seed,
                                    items_per_division=args.items_per_division, page_size=args.page_size or 1000,
                                    progress=not args.no_progress)
        except ValueError as exc:
            ap.error(str(exc))
        sys.stdout.write(f"{len(files) - 3} search pages, fields.json, sprints.json in {Path(args.folder) / 'jira-json'}; "
                         f"{Path(args.folder) / 'truth.json'}\n")
        return 0
    params = {}
    if args.n_items is not None and args.n_items != 2000:
        params["n_items"] = args.n_items
    if args.seed != 0:
        params["random_state"] = args.seed
    files = write_sample_data(args.folder, page_size=args.page_size or 500, **params)
    for f in files:
        sys.stdout.write(f"{f}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
