"""One cycle time: the Backlog's outcomes and the flow metrics (default stages) agree item by item."""

from __future__ import annotations

import numpy as np

import attn_team


def test_outcome_cycle_time_is_the_flow_cycle_time(repo_root):
    b = attn_team.read_jira(repo_root / "sample_data" / "jira-json", teams=repo_root / "sample_data" / "teams.toml")
    flow = attn_team.flow_metrics(b).cycle_times.set_index("key")["cycle_time_days"].astype(float)
    out = b.outcomes(flow.index).set_index("key")["cycle_time_days"].astype(float).reindex(flow.index)
    both = flow.notna() & out.notna()
    assert both.sum() > 500  # the sample's finished standard items
    np.testing.assert_allclose(flow[both], out[both], atol=1e-6)
    # the same items are measured: none finished in one definition and open in the other
    assert not (flow.notna() ^ out.notna()).any()
