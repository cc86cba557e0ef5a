"""Privacy of synthetic rows: are training rows copied?

Two distance-based checks, both measured against real rows the model never saw (the
*holdout*): :func:`distance_to_closest_record` compares how close synthetic rows and
holdout rows come to the training rows, and :func:`membership_inference_auc` scores an
attacker who guesses that the real rows closest to the synthetic ones were trained on.

Both measure Euclidean distances in one space fixed by the training rows, where a training
standard deviation of a numeric column and a mismatch of a categorical column each count
one unit; the Notes of :func:`distance_to_closest_record` define it.
"""

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state

from skvae.metrics._frames import (
    check_frames,
    float_tables,
    is_categorical,
    numeric_matrix,
    reject_infinite,
    reject_unobserved,
)
from skvae.metrics._samples import scale_columns

# Two one-hot vectors of different categories differ in two entries, so scaling them by
# sqrt(1/2) makes the squared distance 1/2 + 1/2 = 1: a category mismatch weighs as much as
# one training standard deviation of a numeric column.
_ONE_HOT_SCALE = np.sqrt(0.5)
# Distances below this share of the holdout's median non-zero distance are copies (0): a
# copy that went through float32 arithmetic is off by about 1e-7 of its values, and a strict
# comparison with a holdout quantile or median of 0 counted it as safe. Relative, not in
# standard deviations: one extreme training row makes every other distance tiny.
_COPY_DISTANCE = 1e-4

# _closest scales all points by one power of two that puts the largest coordinate near
# 2**480 (about 3e144): squared distances then stay below float64's 1.8e308 for up to
# 1e18 columns, and distances down to 1e-300 of the largest coordinate stay above 0.
_LARGEST_EXPONENT = 480


def distance_to_closest_record(train, synthetic, holdout, *, quantile=0.05):
    """Distance to closest record (DCR) of synthetic and of fresh real rows to training rows.

    For each synthetic row, the distance to its nearest training row; for each holdout row
    (a real row the model was not trained on), the same. A model that generalises gives
    synthetic rows no closer to the training rows than the holdout rows are; a model that
    memorised gives copies or near-copies of training rows. Distances are Euclidean in a
    space fixed by the training rows, where one training standard deviation of a numeric
    column and a mismatch of a categorical column each count one unit (see Notes).

    Parameters
    ----------
    train : array-like or DataFrame of shape (n_train, n_features)
        The rows the model was trained on; they fix the scaling.
    synthetic : array-like or DataFrame of shape (n_synthetic, n_features)
        Rows the model generated.
    holdout : array-like or DataFrame of shape (n_holdout, n_features)
        Real rows from the same source that the model did not see. The three tables must
        be all arrays, or all DataFrames with the same columns (matched by name).
    quantile : float, default=0.05
        The holdout distance quantile that ``"share_closer"`` counts synthetic rows below.

    Returns
    -------
    result : dict
        - ``"synthetic_median"``: median distance of a synthetic row to the training rows.
        - ``"holdout_median"``: median distance of a holdout row to the training rows.
        - ``"ratio"``: ``synthetic_median / holdout_median``. About 1 or more: synthetic
          rows are no closer to the training rows than fresh real rows are; near 0: they
          copy training rows. When ``holdout_median`` is 0 (half the holdout rows repeat a
          training row, as in tables of a few discrete columns) it is 1.0 if
          ``synthetic_median`` is 0 too and ``inf`` otherwise.
        - ``"share_closer"``: the share of synthetic rows closer to the training rows
          than the holdout's ``quantile`` quantile of distances; about ``quantile`` (or
          less) for rows like fresh real ones, 1 for copies. When more than ``quantile``
          of the holdout rows repeat a training row, that quantile is 0 and copies score
          ``quantile`` / (the holdout's share of repeats) instead: rows at the quantile
          count as a random tie-break with the holdout's rows would count them, so rows
          like fresh ones still score about ``quantile``.
        - ``"synthetic_distances"``, ``"holdout_distances"``: the distances themselves,
          arrays of shape (n_synthetic,) and (n_holdout,), for a histogram. Distances
          under 1e-4 of the holdout's median non-zero distance are 0: a copy that went
          through float32 arithmetic is off by about 1e-7 of its values, and still a copy.

    Raises
    ------
    ValueError
        If the tables' columns differ, a column holds an infinite value or has no
        observed value in a table, or a value lies more than 1e308 training standard
        deviations from the training mean (no float64 holds its distance).

    See Also
    --------
    membership_inference_auc : An attack that uses the same distances.

    Notes
    -----
    The space: a numeric column is centred on its training mean and divided by its
    training standard deviation (by 1 when the training rows hold a single value); a
    missing value becomes the training mean, so it adds nothing to a distance. A
    categorical column (a frame column of dtype ``category``, ``object``, string or
    boolean) is one-hot encoded over the values of all three tables and scaled by
    ``sqrt(1/2)``, so two different categories are one unit apart, and a category that
    only the synthetic rows show is one unit from every training value; a missing value is
    a category of its own. Drop identifier columns first: they make every row unique.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics import distance_to_closest_record
    >>> rng = np.random.default_rng(0)
    >>> train, holdout = rng.normal(size=(500, 4)), rng.normal(size=(500, 4))
    >>> fresh = distance_to_closest_record(train, rng.normal(size=(500, 4)), holdout)
    >>> round(fresh["ratio"], 2), round(fresh["share_closer"], 2)
    (1.02, 0.04)
    >>> copies = distance_to_closest_record(train, train[:100], holdout)
    >>> copies["synthetic_median"], copies["ratio"], copies["share_closer"]
    (0.0, 0.0, 1.0)

    Rows of a few discrete values repeat: here 20 % of the holdout rows repeat a training
    row, so the 5 % quantile is 0, and copies score 0.05 / 0.2:

    >>> train = rng.integers(0, 2, size=(200, 3)).astype(float)
    >>> holdout = np.r_[train[:20], train[:80] + 0.5]
    >>> round(distance_to_closest_record(train, train, holdout)["share_closer"], 2)
    0.25
    >>> round(distance_to_closest_record(train, holdout, holdout)["share_closer"], 2)
    0.05
    """
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be strictly between 0 and 1; got {quantile!r}")
    train, synthetic, holdout = _points(
        {"train": train, "synthetic": synthetic, "holdout": holdout}
    )
    to_synthetic, to_holdout = _closest(train, [synthetic, holdout])
    apart = to_holdout[to_holdout > 0]
    copy_distance = _COPY_DISTANCE * float(np.median(apart)) if len(apart) else 0.0
    to_synthetic, to_holdout = (
        np.where(d < copy_distance, 0.0, d) for d in (to_synthetic, to_holdout)
    )
    synthetic_median = float(np.median(to_synthetic))
    holdout_median = float(np.median(to_holdout))
    if holdout_median > 0:
        ratio = synthetic_median / holdout_median
    else:
        ratio = 1.0 if synthetic_median == 0 else float("inf")
    return {
        "synthetic_median": synthetic_median,
        "holdout_median": holdout_median,
        "ratio": float(ratio),
        "share_closer": _share_closer(to_synthetic, to_holdout, quantile),
        "synthetic_distances": to_synthetic,
        "holdout_distances": to_holdout,
    }


def _share_closer(to_synthetic, to_holdout, quantile):
    """The share of synthetic distances below the holdout's ``quantile`` quantile q, ties
    at q counted as a random tie-break would count them: where holdout rows share the
    distance q (rows that repeat a training row have q = 0), a synthetic row at q counts
    for the part of those holdout rows that the quantile takes, (quantile - share of
    holdout distances below q) / share at q. The holdout itself then scores ``quantile``
    however its distances tie; strict counting gave exact copies 0 once ``quantile`` of
    the holdout rows repeated a training row."""
    threshold = np.quantile(to_holdout, quantile)
    below, at = np.mean(to_holdout < threshold), np.mean(to_holdout == threshold)
    weight = float(np.clip((quantile - below) / at, 0.0, 1.0)) if at > 0 else 0.0
    return float(np.mean(to_synthetic < threshold) + weight * np.mean(to_synthetic == threshold))


def membership_inference_auc(train, holdout, synthetic, *, random_state=None):
    """ROC AUC of a distance-based membership-inference attack on the synthetic rows.

    The attacker holds the synthetic rows and a set of real candidate rows, half of them
    training rows (members) and half holdout rows (non-members), and scores each candidate
    by minus its distance to the closest synthetic row: a model that copies training rows
    puts synthetic rows right on the members. The AUC is the probability that a random
    member scores higher than a random non-member. Distances are measured as in
    :func:`distance_to_closest_record`.

    Parameters
    ----------
    train : array-like or DataFrame of shape (n_train, n_features)
        The rows the model was trained on (the members); they fix the scaling.
    holdout : array-like or DataFrame of shape (n_holdout, n_features)
        Real rows from the same source that the model did not see (the non-members).
    synthetic : array-like or DataFrame of shape (n_synthetic, n_features)
        Rows the model generated. The three tables must be all arrays, or all DataFrames
        with the same columns (matched by name).
    random_state : int, RandomState instance or None, default=None
        Draws the rows of the larger of ``train`` and ``holdout`` that are kept, so that
        members and non-members are equally many; unused when they already are. Pass an
        int for a reproducible AUC.

    Returns
    -------
    auc : float
        In [0, 1]: about 0.5 when the synthetic rows tell nothing about which real rows
        were trained on (with ``n`` candidates of each kind, ``0.5 +- sqrt(2 / (3 n))``,
        two standard errors, is sampling noise: +-0.05 for 300), 1.0 when every member is
        closer to a synthetic row than every non-member.

    Raises
    ------
    ValueError
        For the tables that :func:`distance_to_closest_record` refuses.

    See Also
    --------
    distance_to_closest_record : The distances from the training rows' side.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics import membership_inference_auc
    >>> rng = np.random.default_rng(0)
    >>> train, holdout = rng.normal(size=(500, 4)), rng.normal(size=(700, 4))
    >>> fresh = rng.normal(size=(500, 4))
    >>> round(membership_inference_auc(train, holdout, fresh, random_state=0), 2)
    0.48
    >>> membership_inference_auc(train, holdout, train, random_state=0)
    1.0
    >>> near_copies = train + 0.2 * rng.normal(size=train.shape)
    >>> round(membership_inference_auc(train, holdout, near_copies, random_state=0), 2)
    0.8
    """
    train, holdout, synthetic = _points(
        {"train": train, "holdout": holdout, "synthetic": synthetic}
    )
    rng = check_random_state(random_state)
    n = min(len(train), len(holdout))
    candidates = np.vstack(
        [train[_subsample(len(train), n, rng)], holdout[_subsample(len(holdout), n, rng)]]
    )
    (distances,) = _closest(synthetic, [candidates])
    is_member = np.r_[np.ones(n), np.zeros(n)]
    return float(roc_auc_score(is_member, -distances))


def _subsample(n_rows, n, rng):
    """Indices of ``n`` of ``n_rows`` rows drawn without replacement (all rows if n_rows
    is n, without consuming ``rng``, so equal sizes never depend on the seed)."""
    if n_rows == n:
        return np.arange(n)
    return np.sort(rng.choice(n_rows, size=n, replace=False))


def _closest(reference, queries):
    """Euclidean distance from each row of each query table to its nearest reference row."""
    # One power of two for all points (exact, undone at the end): squares of coordinates
    # near 1e300 would overflow, and squares of distances near 1e-200 underflow to 0.
    largest = max(float(np.abs(points).max(initial=0.0)) for points in [reference, *queries])
    shift = _LARGEST_EXPONENT - int(np.frexp(largest)[1])
    reference = np.ldexp(reference, shift)
    neighbours = NearestNeighbors(n_neighbors=1).fit(reference)
    distances = []
    for points in queries:
        points = np.ldexp(points, shift)
        index = neighbours.kneighbors(points, return_distance=False)[:, 0]
        # Recomputed directly: the brute-force search computes |x|^2 - 2 x.y + |y|^2, which
        # leaves rounding noise around 1e-7 where an exact copy should be at distance 0.
        distances.append(np.ldexp(np.linalg.norm(points - reference[index], axis=1), -shift))
    return distances


def _points(tables):
    """Rows of the tables as points of one Euclidean space, scaled by the first table.

    ``tables`` maps argument names to tables; the first is the training table. Returns a
    list of float arrays in the same order.
    """
    names = list(tables)
    values, frames = check_frames(tables)
    if not frames:
        arrays = float_tables(dict(zip(names, values, strict=True)))
        return _standardise(arrays, names, list(range(arrays[0].shape[1])))
    reference = values[0]
    for name, frame in zip(names, values, strict=True):
        missing = np.where(frame.isna().to_numpy(), np.nan, 0.0)
        reject_unobserved(missing, names, name, list(frame.columns))
    numeric = [c for c in reference.columns if not is_categorical(reference[c])]
    categorical = [c for c in reference.columns if c not in numeric]
    blocks = [[] for _ in values]
    if numeric:
        matrices = [
            numeric_matrix(frame[numeric], names, name)
            for name, frame in zip(names, values, strict=True)
        ]
        for block, scaled in zip(blocks, _standardise(matrices, names, numeric), strict=True):
            block.append(scaled)
    for column in categorical:
        encoded = _one_hot([frame[column] for frame in values])
        for block, one_hot in zip(blocks, encoded, strict=True):
            block.append(one_hot)
    return [np.hstack(block) for block in blocks]


def _standardise(matrices, names, columns):
    """Numeric matrices divided by the first one's standard deviations, and moved by its
    medians (distances do not depend on the centre; values near the median keep their
    digits); missing values become the training mean."""
    for name, X in zip(names, matrices, strict=True):
        reject_infinite(X, name, columns)
        reject_unobserved(X, names, name, columns)
    # Each column is first scaled by a power of two that puts the training's largest
    # |value| near 1 (exact, and the result does not depend on it), so that the squares
    # of the standard deviation neither overflow (values near 1e300) nor underflow.
    train, exponents = scale_columns(matrices[0])
    with np.errstate(over="ignore"):
        matrices = [train] + [np.ldexp(X, -exponents) for X in matrices[1:]]
    observed = ~np.isnan(train)
    counts = observed.sum(axis=0)
    mean = np.where(observed, train, 0.0).sum(axis=0) / counts
    std = np.sqrt(np.where(observed, (train - mean) ** 2, 0.0).sum(axis=0) / counts)
    # A constant column is tested by its values, not by std > 0: the mean of n equal
    # floats may be off by one rounding, and dividing by that tiny std would blow any
    # difference from the constant up to ~1e16 units.
    low = np.where(observed, train, np.inf).min(axis=0)
    high = np.where(observed, train, -np.inf).max(axis=0)
    scale = np.where(high > low, std, np.ldexp(1.0, -exponents))  # 1 in the data's units
    centre = np.nanmedian(train, axis=0)
    standardised = []
    for name, X in zip(names, matrices, strict=True):
        with np.errstate(over="ignore", invalid="ignore"):
            Z = (np.where(np.isnan(X), mean, X) - centre) / scale
        overflow = np.isinf(Z).any(axis=0)
        if overflow.any():
            raise ValueError(
                f"{name} has values in column {columns[int(np.argmax(overflow))]!r} too many "
                "training standard deviations from the training mean to measure distances "
                "in float64 (over 1e308); check that column's units in the tables, or drop it"
            )
        standardised.append(Z)
    return standardised


def _one_hot(columns):
    """One-hot codes of a categorical column in each table, over the values of all of them
    (so a category that only the synthetic rows show still differs from every training
    value by one unit); missing values share one category of their own."""
    lookup = {}
    codes = []
    for column in columns:
        missing = column.isna().to_numpy().tolist()
        values = column.astype(object).to_numpy().tolist()
        codes.append(
            np.array(
                [
                    lookup.setdefault(None if gone else value, len(lookup))
                    for value, gone in zip(values, missing, strict=True)
                ],
                dtype=np.intp,
            )
        )
    identity = np.eye(len(lookup)) * _ONE_HOT_SCALE
    return [identity[c] for c in codes]
