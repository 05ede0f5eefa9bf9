"""Subcommands of the ``attn-team`` CLI, one module each (see :mod:`attn_team.cli`)."""
