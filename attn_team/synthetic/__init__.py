"""A deterministic, seeded generator of a realistic Jira organisation, and writers for Jira's formats.

:func:`generate` simulates several agile teams over a series of two-week sprints:
epics, stories, tasks, bugs and sub-tasks written from per-team topic templates;
sprint planning, scope added and removed after sprint start, carry-over of
unfinished work into the next sprint; status, sprint, assignee and story-point
changelogs; typed links (Blocks, Depends, Relates, Duplicate, Cloners), some of
them across teams. It also plants a known set of **related but unlinked**
cross-team pairs (the ground truth for dependency discovery) and one
**coordination gap**: two teams whose work is coupled through planted pairs but
who share no links and no people. It plants the **cost of cross-team waiting** too: an item
that waits (Blocks / Depends link) on another team's item still unfinished when it starts takes
``WAIT_DAYS`` (4) days longer; ``truth["waiting_cost"]`` lists those items and
``extras["cycle_times"]`` holds every finished item's true cycle time.

The writers produce what Jira itself exports, so the importers can be tested on
them: :func:`write_jira_csv` (Jira Cloud "Export CSV (all fields)"),
:func:`write_jira_json_pages` (REST v2 search pages with ``expand=changelog``, a
fields list and an Agile sprints list) and :func:`write_teams_file` (TOML).

``python -m attn_team.synthetic sample_data`` regenerates the shipped
``sample_data/`` folder byte for byte. :func:`write_large_org` (``python -m
attn_team.synthetic --items 1000000 --format json-pages OUT``) writes organisations of
100,000s of items as REST search pages, streamed to disk division by division.

Sprint truth definitions (``SyntheticOrg.truth["sprint_truth"]``), counted over
standard issues (Story, Task, Bug; epics and sub-tasks are left out, as in
Jira's sprint report), with story points as estimated when the sprint started
(estimates never change while an item is in a sprint):

- ``committed``: in the sprint when it started;
- ``added``: added after the start (and before the close);
- ``removed``: removed after the start (and before the close);
- ``completed``: in the sprint at its close (``now`` for the active sprint) and done then;
- ``carried_over``: in the sprint at its close and not done, moved to the next sprint.

For future sprints only ``committed`` (planned so far) is filled.
"""

from ._build import generate
from ._large import write_large_org
from ._sample import write_sample_data
from ._types import SyntheticOrg
from ._writers import (
    truth_json,
    write_jira_csv,
    write_jira_json_pages,
    write_teams_file,
)

__all__ = ["SyntheticOrg", "generate", "write_jira_csv", "write_jira_json_pages", "write_large_org", "write_teams_file",
           "write_sample_data", "truth_json"]
