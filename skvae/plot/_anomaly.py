"""Log-likelihood per row, with an outlier detector's threshold."""

import numpy as np

from skvae.plot._data import label_groups
from skvae.plot._figure import single_axes


def anomaly_scores(estimator, X, y=None, threshold=None, bins=50, ax=None):
    """Histogram of the log-likelihoods of X, with the outlier threshold.

    For a :class:`~skvae.VAEOutlierDetector` the threshold is ``offset_`` (rows to its left
    are predicted outliers) unless ``threshold`` is given; other estimators draw a line
    only for an explicit ``threshold``. A long left tail (rows far outside the training
    data) is gathered into the leftmost bin, and the legend says how many rows it holds.

    Parameters
    ----------
    estimator : fitted VAEOutlierDetector, VAETransformer or VAEImputer
        The model whose ``score_samples`` to draw.
    X : array-like of shape (n_samples, n_features)
        Rows to score.
    y : array-like of shape (n_samples,), default=None
        Group labels (for example known inliers and outliers): one histogram per group;
        missing labels (None, NaN) form the group "missing".
    threshold : float, default=None
        A log-likelihood to mark; None uses the detector's ``offset_`` where there is one.
    bins : int, default=50
        Number of histogram bins.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VAEOutlierDetector
    >>> from skvae.plot import anomaly_scores
    >>> X, _ = load_wine(return_X_y=True)
    >>> detector = VAEOutlierDetector(contamination=0.05, hidden_layer_sizes=(8,),
    ...                               max_iter=3, random_state=0).fit(X)
    >>> ax = anomaly_scores(detector, X)
    >>> bool(np.isclose(ax.get_lines()[0].get_xdata()[0], detector.offset_))
    True
    """
    scores = np.asarray(estimator.score_samples(X), dtype=np.float64)
    if threshold is None:
        threshold = getattr(estimator, "offset_", None)
    if y is not None:
        y = np.asarray(y)
        if y.shape != scores.shape:
            raise ValueError(f"y must have one label per row of X ({len(scores)}); got {y.shape}")
    ax = single_axes(ax, (6, 4))
    low_q, high = np.percentile(scores, 1), scores.max()
    low = low_q if threshold is None else min(low_q, threshold)
    low -= 0.1 * max(high - low, 1e-9)
    clipped = np.maximum(scores, low)
    n_clipped = int((scores < low).sum())
    edges = np.linspace(low, high, bins + 1)
    groups = [(None, clipped)] if y is None else [(g, clipped[m]) for g, m in label_groups(y)]
    for group, values in groups:
        label = "rows" if group is None else f"y = {group}"
        ax.hist(values, bins=edges, alpha=0.6 if y is not None else 0.9, label=label)
    if threshold is not None:
        flagged = int((scores < threshold).sum())
        ax.axvline(
            threshold,
            color="crimson",
            linewidth=2,
            label=f"threshold {threshold:.1f}: {flagged} of {len(scores)} rows below",
        )
    if n_clipped:
        ax.plot([], [], " ", label=f"{n_clipped} rows below {low:.0f} in the first bin")
    ax.set_xlabel("log-likelihood log p(x), nats")
    ax.set_ylabel("rows")
    ax.set_title("Log-likelihood per row (low = anomalous)")
    ax.legend(fontsize="small")
    return ax
