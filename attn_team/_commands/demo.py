"""``attn-team demo``: the main job, end to end, on the shipped sample organisation."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from ._common import CommandError, add_embedder_arg, add_wait_arg, positive_int

log = logging.getLogger(__name__)


def _default_data() -> Path | None:
    here = Path(__file__).resolve().parents[2] / "sample_data"
    return here if here.is_dir() else None


def add_parser(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="run the whole job on the sample organisation: import, attend, suggest, report",
        description=(
            "Import the sample organisation shipped in sample_data/ (or a freshly generated one when "
            "the package is installed without it) into a workspace, fit the cross-attention model on "
            "its own links, print the top cross-team dependency suggestions and coordination gaps, "
            "and write a sprint report."
        ),
    )
    p.add_argument("--data", type=Path, default=None, help="sample data folder (default: the repository's sample_data/)")
    p.add_argument("--out", type=Path, default=Path("attn_team_demo"), help="folder for the workspace and the report (default: ./attn_team_demo)")
    p.add_argument("--top", type=positive_int, default=10, help="how many suggestions to print (default: 10)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    add_embedder_arg(p)
    add_wait_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    import pandas as pd

    from ..synthetic import generate, write_jira_json_pages, write_teams_file
    from ..workspace import Workspace

    t0 = time.perf_counter()
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out}: is a file; the demo writes a folder (workspace and report): give a folder name")
    out.mkdir(parents=True, exist_ok=True)
    data = args.data or _default_data()
    if data is None:
        data = out / "sample_data"
        print(f"sample_data/ not found next to the package: generating the sample organisation into {data}")
        org = generate(random_state=0)
        write_jira_json_pages(org, data / "jira-json")
        write_teams_file(org, data / "teams.toml")
    # the REST pages carry changelogs (sprint history); the CSV holds the same issues without them
    exports = [data / "jira-json"] if (data / "jira-json").is_dir() else sorted(data.glob("*.csv"))
    teams = data / "teams.toml"
    if not exports:
        raise FileNotFoundError(f"{data} holds no 'jira-json/' folder or CSV export")

    with Workspace(out / "workspace.duckdb", wait=args.wait) as ws:
        snap = ws.import_files([str(p) for p in exports], teams=str(teams) if teams.exists() else None)
        backlog = ws.backlog()
        print(f"1. imported {', '.join(str(p) for p in exports)} -> {out / 'workspace.duckdb'}")
        print("   " + ", ".join(f"{v:,} {k}" for k, v in backlog.summary().items()))
        if snap.get("unchanged"):
            print("   (already imported: nothing changed)")

        from ._common import item_attention

        t1 = time.perf_counter()
        model = item_attention(backlog, ws, progress=not args.no_progress, embedder=args.embedder)
        edges = model.edges("items")
        print(f"2. item-to-item cross-attention (model fitted on the backlog's own links, kept in the workspace): "
              f"{len(edges):,} edges in {time.perf_counter() - t1:.0f} s")

        from ..insights import suggest_dependencies, team_coupling

        sugg = suggest_dependencies(backlog, top=args.top, attention=model)
        print(f"3. top {len(sugg)} likely cross-team dependencies nobody linked yet:")
        with pd.option_context("display.width", 160, "display.max_colwidth", 60):
            cols = [c for c in ("source", "source_team", "target", "target_team", "score", "reason") if c in sugg.columns]
            print(sugg[cols].to_string(index=False))

        coupling = team_coupling(backlog, attention=model)
        print(f"4. socio-technical congruence {coupling.congruence:.2f}; coordination gaps:")
        gaps = coupling.gaps
        show = [c for c in ("team_a", "team_b", "n_strong", "n_links", "n_shared_people", "example_pairs") if c in gaps.columns]
        print(gaps[show].to_string(index=False) if len(gaps) else "   none")

        from ..views._report import SprintReport

        report = SprintReport(backlog, attention=model)
        path = report.write(out / "sprint-report.html")
        print(f"5. sprint report for {report.sprint_name!r}: {path}")
    print(f"done in {time.perf_counter() - t0:.0f} s")
    return 0
