"""Cosine similarity of one vector with many: answer scoring's sentences against a question,
and a filtered search ranked exactly (`ChromaStore`)."""

from __future__ import annotations

from collections.abc import Sequence


def cosines(query: Sequence[float], rows: Sequence[Sequence[float]]) -> list[float]:
    """Cosine similarity of `query` with each row; a zero vector is similar to nothing."""
    import numpy as np

    if not rows:
        return []
    matrix = np.asarray([query, *rows], dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1)
    norms[norms == 0] = 1.0
    unit = matrix / norms[:, None]
    return [float(x) for x in unit[1:] @ unit[0]]
