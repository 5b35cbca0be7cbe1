"""What similar users liked: item-item cosine over the interactions matrix (scipy.sparse).

``X`` is users × restaurants with one positive weight per pair (a like, a visit, a good
rating; see :func:`signal`). Columns are L2-normalized so ``S = Xᵀ X`` is the cosine between
two restaurants' audiences; each row of ``S`` keeps its ``neighbors`` strongest entries, so the
model stays sparse on a catalog of thousands. A user's collaborative score for every restaurant
is ``x_u S`` — the similarity-weighted sum over what they liked — scaled to 0..1 by its maximum.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy import sparse

NEIGHBORS = 50

# How much each interaction says the user liked the place; negatives are not co-occurrence.
KIND_WEIGHT = {"liked": 1.0, "visited": 0.6, "viewed": 0.1, "dismissed": 0.0}


def signal(kind: str, rating_unit: float | None) -> float:
    """One interaction as a liking in -1..1 (dismissals and poor ratings are negative)."""
    if kind == "rated" and rating_unit is not None:
        return max(-1.0, min(1.0, 2.0 * rating_unit - 1.0))
    if kind == "dismissed":
        return -1.0
    return KIND_WEIGHT.get(kind, 0.0)


class ItemItem:
    def __init__(self, n_items: int, neighbors: int = NEIGHBORS):
        self.n_items = n_items
        self.neighbors = neighbors
        self.S = sparse.csr_matrix((n_items, n_items), dtype=np.float32)

    @classmethod
    def fit(cls, triples: Iterable[tuple[int, int, float]], n_items: int, **kw) -> ItemItem:
        """``triples``: (user index, item index, liking); only positive likings count."""
        model = cls(n_items, **kw)
        rows, cols, vals = [], [], []
        for u, i, w in triples:
            if w > 0:
                rows.append(u)
                cols.append(i)
                vals.append(w)
        if not vals:
            return model
        n_users = max(rows) + 1
        X = sparse.csr_matrix(
            (np.asarray(vals, np.float32), (rows, cols)), shape=(n_users, n_items)
        )
        X.sum_duplicates()
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=0)).ravel())
        norms[norms == 0] = 1.0
        Xn = X @ sparse.diags(1.0 / norms).astype(np.float32)
        S = (Xn.T @ Xn).tocsr()
        S.setdiag(0)
        S.eliminate_zeros()
        model.S = _top_k(S, model.neighbors)
        return model

    def scores(self, liked: dict[int, float]) -> np.ndarray:
        """0..1 per item for one user, from their {item index: liking} (positives only)."""
        out = np.zeros(self.n_items, dtype=np.float32)
        items = [i for i, w in liked.items() if w > 0]
        if not items or self.S.nnz == 0:
            return out
        weights = np.asarray([liked[i] for i in items], dtype=np.float32)
        out = np.asarray(self.S[items].T @ weights).ravel()
        top = out.max()
        return out / top if top > 0 else out


def _top_k(S: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    """Keep the k largest entries of each row."""
    if S.nnz == 0:
        return S
    counts = np.diff(S.indptr)
    if counts.max() <= k:
        return S
    data, indices, indptr = [], [], [0]
    for r in range(S.shape[0]):
        lo, hi = S.indptr[r], S.indptr[r + 1]
        d, c = S.data[lo:hi], S.indices[lo:hi]
        if hi - lo > k:
            keep = np.argpartition(-d, k)[:k]
            d, c = d[keep], c[keep]
        data.append(d)
        indices.append(c)
        indptr.append(indptr[-1] + len(d))
    return sparse.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), np.asarray(indptr)), shape=S.shape
    )
