"""read_tables: the tidy issues.csv / links.csv format."""

from __future__ import annotations

import pytest

import attn_team
from attn_team.errors import JiraFormatError


def test_small_tables(tmp_path):
    (tmp_path / "issues.csv").write_text("key,summary,components,sprint,created\nA-1,Login,auth;ui,S1,2025-01-01T10:00:00Z\nB-2,Token,,S1;S2,\n")
    (tmp_path / "links.csv").write_text("source_key,target_key,link_type,link_label\nA-1,B-2,Blocks,blocks\n")
    b = attn_team.read_tables(tmp_path / "issues.csv", tmp_path / "links.csv")
    assert b.n_items == 2
    assert b.items.loc[0, "components"] == ["auth", "ui"]
    assert b.items.loc[1, "sprints"] == ["S1", "S2"] and len(b.sprints) == 2
    assert b.links.loc[0, "category"] == "dependency"
    assert b.items.loc[0, "team"] == "auth" and b.items.loc[0, "team_rule"] == "component"


@pytest.mark.parametrize("content,match", [
    ("id,summary\n1,x\n", r"missing column\(s\) \['key'\]"),
    ("key,summary\nA-1,x\nA-1,y\n", r"row 2.*duplicate issue key 'A-1'"),
    ("key,created\nA-1,yesterday-ish\n", r"row 1, field 'created': invalid date"),
    ("", "not a readable CSV"),
])
def test_bad_input_names_the_place(tmp_path, content, match):
    p = tmp_path / "issues.csv"
    p.write_text(content)
    with pytest.raises(JiraFormatError, match=match) as info:
        attn_team.read_tables(p)
    assert str(p) in str(info.value)


@pytest.mark.parametrize("name,n_items,n_links", [("duraspace_jira2015", 3036, 480), ("spring_tse2017", 3565, 971), ("apache_msr22_OFBIZ", 12470, 1730)])
def test_links_dev_sets(shared_data, name, n_items, n_links):
    d = shared_data / "links-dev" / name
    b = attn_team.read_tables(d / "issues.csv", d / "links.csv")
    assert b.n_items == n_items
    assert len(b.links) == n_links
    assert set(b.links["category"]) <= {"dependency", "relation", "duplicate", "clone", "hierarchy"}
