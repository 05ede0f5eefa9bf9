"""``python -m attn_team.synthetic FOLDER``: regenerate the sample organisation."""

from ._sample import _main

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
