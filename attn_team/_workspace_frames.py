"""Loading a whole workspace table from DuckDB into pandas, with repeated strings shared."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

__all__ = ["load_shared"]

#: rows fetched from DuckDB at a time when a whole table is loaded (2,048 rows per DuckDB vector)
_CHUNK_VECTORS = 32


def load_shared(con, sql: str, schema: dict | None = None) -> pd.DataFrame:
    """A table query's result, fetched in chunks, with one ``str`` object per distinct value of a column.

    DuckDB's pandas conversion makes a new Python string for every cell: at a million items the
    people, statuses, fields and keys of the events repeat millions of times (2.3 GB for the events
    alone, against 0.5 GB shared). A column shares its values while its distinct values stay below
    half its rows (free text such as summaries stops sharing after the first chunk); the elements
    of list columns (components, labels, sprints) always share. Without ``schema`` (a stored frame)
    every text column is a candidate for sharing. The frame's values are the same as
    DuckDB's own ``.df()``; only the memory differs, and the peak is one chunk above the result.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")
        con.execute(sql)
        parts: list[pd.DataFrame] = []
        shared: dict[str, dict | None] = {}
        n = 0
        while True:
            chunk = con.fetch_df_chunk(_CHUNK_VECTORS)
            if len(chunk) == 0 and parts:
                break
            for c in chunk.columns:
                kind = schema.get(c) if schema is not None else (
                    "string" if chunk[c].dtype == object or isinstance(chunk[c].dtype, pd.StringDtype) else None)
                if kind not in ("string", "list"):
                    continue
                pool = shared.setdefault(c, {})
                if pool is None:
                    continue
                vals = chunk[c].to_numpy(dtype=object)
                if kind == "list":
                    chunk[c] = pd.Series([[pool.setdefault(x, x) if isinstance(x, str) else x for x in v]
                                          if isinstance(v, (np.ndarray, list)) else v for v in vals],
                                         index=chunk.index, dtype=object)
                    continue
                get = pool.setdefault
                out = np.empty(len(vals), dtype=object)
                out[:] = [get(v, v) if isinstance(v, str) else v for v in vals]
                dtype = chunk[c].dtype if isinstance(chunk[c].dtype, pd.StringDtype) else object
                chunk[c] = pd.Series(out, index=chunk.index, dtype=dtype)  # the same dtype, shared values
                if len(pool) > (n + len(chunk)) // 2 + 1000:  # mostly distinct: stop sharing this column
                    shared[c] = None
            n += len(chunk)
            parts.append(chunk)
            if len(chunk) == 0:
                break
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
