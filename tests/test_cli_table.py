"""The suggest table: fits the terminal, shows both summaries (cut), one score column."""

from __future__ import annotations

import pandas as pd
import pytest

from attn_team._commands.suggest import _width, format_table


def _df(n=5, long=True):
    text = "Migrate the checkout flow to the new payment tokens and retire the legacy gateway " * (3 if long else 1)
    return pd.DataFrame({
        "rank": range(1, n + 1),
        "source": [f"PAY-{100 + i}" for i in range(n)], "source_team": ["Payments"] * n,
        "target": [f"IDN-{i}" for i in range(n)], "target_team": ["Identity and Access Management"] * n,
        "score": [2.3456 - i / 10 for i in range(n)], "weight": [0.3] * n,
        "reason": ["shared people Ana Lopez, Ben Okafor; text: tokens, gateway, checkout"] * n,
        "source_summary": [f"{text} #{i}" for i in range(n)],
        "target_summary": ["Token refresh for SSO sessions \u8a8d\u8a3c\u30c8\u30fc\u30af\u30f3 " * 4] * n,
    })


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 200, 400])
def test_every_line_fits_the_width(width):
    table = format_table(_df(), width=width)
    assert all(_width(line) <= max(width, 40) for line in table.splitlines()), table


def test_wide_table_shows_summaries_reason_and_one_score(capsys):
    table = format_table(_df(), width=160)
    head = table.splitlines()[0]
    assert "source summary" in head and "target summary" in head and "reason" in head
    assert "score" in head and "weight" not in head
    first = table.splitlines()[2]
    assert "PAY-100" in first and "IDN-0" in first and "2.35" in first and "Migrate the checkout" in first
    assert "\u2026" in first  # long summaries are cut, with an ellipsis
    assert len(table.splitlines()) == 2 + 5


def test_narrow_table_puts_summaries_on_their_own_lines():
    table = format_table(_df(n=2), width=70)
    lines = table.splitlines()
    assert any(ln.strip().startswith("source: Migrate") for ln in lines)
    assert any(ln.strip().startswith("target: Token refresh") for ln in lines)
    assert any(ln.strip().startswith("reason: shared people") for ln in lines)


def test_short_text_is_not_cut_and_missing_values_are_blank():
    df = _df(n=1, long=False)
    df.loc[0, "target_summary"] = None
    table = format_table(df, width=300)
    assert " ".join(df.loc[0, "source_summary"].split()) in table.splitlines()[2]  # room enough: not cut
    assert "None" not in table and "<NA>" not in table


def test_suggest_uses_the_terminal_width(monkeypatch, capsys):
    import contextlib

    from attn_team import cli
    from attn_team._commands import suggest as suggest_cmd
    from attn_team.model import Backlog

    b = Backlog(items={"key": ["PAY-100", "IDN-0"], "summary": ["a", "b"], "team": ["Payments", "Identity"]})

    @contextlib.contextmanager
    def fake(args):
        yield b, None

    monkeypatch.setattr(suggest_cmd, "workspace_backlog", fake)
    monkeypatch.setattr(suggest_cmd, "item_attention", lambda *a, **kw: None)
    monkeypatch.setattr("attn_team.insights._dependencies.suggest_dependencies", lambda *a, **kw: _df())
    monkeypatch.setenv("COLUMNS", "90")
    assert cli.main(["suggest"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(_width, lines)) <= 90 and "PAY-100" in lines[2]


def test_suggest_category_option_reaches_the_ranking_and_shows_the_kind(monkeypatch, capsys):
    import contextlib
    import json

    from attn_team import cli
    from attn_team._commands import suggest as suggest_cmd
    from attn_team.model import Backlog

    b = Backlog(items={"key": ["PAY-100", "IDN-0"], "summary": ["a", "b"], "team": ["Payments", "Identity"]})
    seen = {}

    @contextlib.contextmanager
    def fake(args):
        yield b, None

    def suggestions(*a, **kw):
        seen.update(kw)
        df = _df(2)
        df["category"] = ["duplicate", "duplicate"]
        return df

    monkeypatch.setattr(suggest_cmd, "workspace_backlog", fake)
    monkeypatch.setattr(suggest_cmd, "item_attention", lambda *a, **kw: None)
    monkeypatch.setattr("attn_team.insights._dependencies.suggest_dependencies", suggestions)
    monkeypatch.setenv("COLUMNS", "160")
    assert cli.main(["suggest", "--category", "duplicate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert seen["category"] == "duplicate"
    assert "kind" in out[0] and "duplicate" in out[2]
    assert cli.main(["suggest", "--format", "json"]) == 0
    recs = json.loads(capsys.readouterr().out)
    assert seen["category"] is None and recs[0]["category"] == "duplicate"
    with pytest.raises(SystemExit) as exc:  # argparse refuses an unknown kind, exit code 2
        cli.main(["suggest", "--category", "blocks"])
    assert exc.value.code == 2


def test_untrained_option_skips_the_fit_on_every_attention_command(monkeypatch):
    """``--untrained`` (suggest, report, flow) asks for the untrained weights: max_epochs=0 reaches the
    workspace's attention, under its own key; without it nothing changes."""
    from attn_team import cli
    from attn_team._commands import _common
    from attn_team.model import Backlog

    seen = []
    monkeypatch.setattr("attn_team.attention._fitted.workspace_attention", lambda ws, b, **kw: seen.append(kw))
    b = Backlog(items={"key": ["PAY-1", "IDN-1"], "summary": ["a", "b"]})
    parser = cli.build_parser()
    for cmd in (["suggest"], ["report", "--out", "r.html"], ["flow", "--out", "f.html"]):
        fast, default = parser.parse_args([*cmd, "--untrained"]), parser.parse_args(cmd)
        assert fast.untrained and not default.untrained
        _common.item_attention(b, None, args=fast)
        _common.item_attention(b, None, args=default)
        assert seen[-2]["max_epochs"] == 0 and "max_epochs" not in seen[-1], cmd


def test_k_option_sets_the_keys_per_item_on_every_attention_command(monkeypatch):
    """``--k`` (suggest, report, flow) is the top k the workspace's item attention keeps; default 20; not below 1."""
    from attn_team import cli
    from attn_team._commands import _common
    from attn_team.attention._fitted import DEFAULT_K
    from attn_team.model import Backlog

    seen = []
    monkeypatch.setattr("attn_team.attention._fitted.workspace_attention", lambda ws, b, **kw: seen.append(kw["k"]))
    b = Backlog(items={"key": ["PAY-1", "IDN-1"], "summary": ["a", "b"]})
    parser = cli.build_parser()
    for cmd in (["suggest"], ["report", "--out", "r.html"], ["flow", "--out", "f.html"]):
        _common.item_attention(b, None, args=parser.parse_args([*cmd, "--k", "5"]))
        _common.item_attention(b, None, args=parser.parse_args(cmd))
        assert seen[-2:] == [5, DEFAULT_K], cmd
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["suggest", "--k", "0"])
    assert exc.value.code == 2
