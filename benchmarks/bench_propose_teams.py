"""How well :func:`attn_team.insights._propose_teams.propose_teams` finds the real teams.

On generated organisations (``attn_team.synthetic.generate``, whose true teams are known)
and the shipped ``sample_data/jira-export.csv`` (truth in ``sample_data/truth.json``), the
proposal is compared with each person's true team by the adjusted Rand index (ARI: 1 =
the same grouping, 0 = chance) and purity (share of people whose proposed team's majority
is their true team), beside two plain baselines measured in the same run: each person in
the team of the project they are most often assignee in ("one team per project") and of
their most frequent component ("one team per component").

Variants make the data harder, as real exports are: all items in one project (the case
that gives one team by the project rule), sprints shared by all teams ("Sprint 3" instead
of "PAY Sprint 3"), no components, no epics or labels, a share of the watchers and
commenters replaced by random people, and (harder) a share of the items given a random
assignee and reporter (noise; watchers and commenters then stay 60% random).

Usage::

    python benchmarks/bench_propose_teams.py [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from attn_team.insights._propose_teams import propose_teams
from attn_team.synthetic import generate

REPO = Path(__file__).resolve().parents[1]


def purity(true, pred) -> float:
    df = pd.DataFrame({"t": list(true), "p": list(pred)})
    return float(df.groupby("p")["t"].agg(lambda s: s.value_counts().iloc[0]).sum() / len(df))


def baseline(backlog, col: str) -> dict:
    out = {}
    for person, g in backlog.items.groupby("assignee"):
        vals = g[col].explode().dropna() if col == "components" else g[col].dropna()
        out[person] = str(vals.value_counts().index[0]) if len(vals) else "?"
    return out


def variants(backlog, rng):
    yield "as generated", backlog
    items = backlog.items.copy()
    items["project"] = "ONE"
    yield "one project", backlog.replace(items=items)
    shared = {i: re.sub(r"^\S+ ", "", n) for i, n in zip(backlog.sprints["sprint_id"], backlog.sprints["name"])}
    items["sprints"] = [[shared[s] for s in lst] for lst in items["sprints"]]
    sp = backlog.sprints.copy()
    sp["sprint_id"] = sp["sprint_id"].map(shared)
    sp["name"] = sp["sprint_id"]
    sp["team"] = pd.NA
    sp = sp.drop_duplicates("sprint_id").reset_index(drop=True)
    yield "+ shared sprints", backlog.replace(items=items, sprints=sp)
    items = items.copy()
    items["components"] = [[] for _ in range(len(items))]
    yield "+ no components", backlog.replace(items=items, sprints=sp)
    items = items.copy()
    items["epic_key"] = pd.NA
    items["labels"] = [[] for _ in range(len(items))]
    yield "+ no epics, labels", backlog.replace(items=items, sprints=sp)
    people = backlog.people["person"].tolist()
    for share in (0.3, 0.6):
        noisy = items.copy()
        for col in ("watchers", "commenters"):
            noisy[col] = [[str(rng.choice(people)) if rng.random() < share else p for p in lst] for lst in noisy[col]]
        yield f"+ {share:.0%} random watchers/commenters", backlog.replace(items=noisy, sprints=sp)
    base = noisy
    for share in (0.2, 0.4):
        noisy = base.copy()
        noisy["assignee"] = [str(rng.choice(people)) if rng.random() < share else a for a in noisy["assignee"]]
        noisy["reporter"] = [str(rng.choice(people)) if rng.random() < share else a for a in noisy["reporter"]]
        yield f"+ {share:.0%} items with a random assignee and reporter", backlog.replace(items=noisy, sprints=sp)


def score(backlog, truth: dict) -> dict:
    """ARI and purity of the proposal and the baselines, over people with a known true team."""
    disp = dict(zip(backlog.people["person"], backlog.people["display_name"]))
    prop = propose_teams(backlog, random_state=0)
    prop = prop[prop["person"].map(disp).isin(truth)]
    true = [truth[disp[p]] for p in prop["person"]]
    res = {"n_people": len(prop), "n_true": len(set(true)), "n_proposed": int(prop["team"].nunique()),
           "modularity": prop.attrs.get("modularity")}
    preds = {"proposal": list(prop["team"])}
    for col in ("project", "components"):
        bl = baseline(backlog, col)
        preds[f"per {col}"] = [bl.get(p, "?") for p in prop["person"]]
    for name, pred in preds.items():
        res[name] = {"ari": round(float(adjusted_rand_score(true, pred)), 3), "purity": round(purity(true, pred), 3)}
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args(argv)
    rows = []
    for seed in args.seeds:
        org = generate(random_state=seed)
        truth = org.extras["team_people"]
        rng = np.random.default_rng(seed)
        for name, b in variants(org.backlog, rng):
            rows.append({"data": f"generate(random_state={seed})", "variant": name, **score(b, truth)})
    sample = REPO / "sample_data"
    if (sample / "jira-export.csv").exists():
        from attn_team.io import read_jira

        t = json.loads((sample / "truth.json").read_text(encoding="utf-8"))["teams"]
        truth = {p: team for team, d in t.items() for p in d["people"]}
        rows.append({"data": "sample_data/jira-export.csv", "variant": "as shipped",
                     **score(read_jira(sample / "jira-export.csv"), truth)})
    print("| data | variant | people | true / proposed teams | modularity | proposal ARI (purity) "
          "| per project ARI (purity) | per component ARI (purity) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cells = [f"{r[m]['ari']:.3f} ({r[m]['purity']:.3f})" for m in ("proposal", "per project", "per components")]
        print(f"| {r['data']} | {r['variant']} | {r['n_people']} | {r['n_true']} / {r['n_proposed']} | "
              f"{r['modularity']:.2f} | " + " | ".join(cells) + " |")
    out = REPO / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "propose_teams.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
