"""Samples against real rows: per-column marginals and correlation matrices."""

import numpy as np
import pandas as pd

from skvae.metrics import correlation_difference
from skvae.plot._data import (
    check_vae,
    feature_names,
    marginal_distance,
    output_column_labels,
    real_and_sampled,
)
from skvae.plot._figure import panel_axes, pyplot


def marginals(estimator, X, columns=None, max_columns=6, n_samples=None, random_state=0, ax=None):
    """Histograms of real and sampled values, one panel per column (for a categorical
    column, each category's share of the real and of the sampled rows, as named bars).

    Each panel is titled with a distance between the two samples (0 is a perfect match):
    the total variation (:func:`skvae.metrics.total_variation`) when the real column has
    at most 20 distinct values and the sampled values are among them, the
    Kolmogorov-Smirnov statistic (:func:`skvae.metrics.ks_statistic`) otherwise.

    Parameters
    ----------
    estimator : fitted VAETransformer, VAEOutlierDetector or VAEImputer
        The model to sample from (``sample``, with its observation noise; the model's
        own draws, ``marginals="model"``, since the default calibration gives sampled
        columns the training marginals by construction).
    X : array-like of shape (n_samples, n_features)
        Real rows; each column's observed values are drawn (missing entries are left out).
    columns : list of int or str, default=None
        Columns to draw: indices, or column labels for a model fitted on a DataFrame (its
        names, or labels such as ints, as ``sample`` gives them; a label is matched
        before an index). None takes up to ``max_columns`` modelled columns that vary
        in X, evenly spread over the table.
    max_columns : int, default=6
        How many columns to pick when ``columns`` is None.
    n_samples : int, default=None
        Rows to sample; None samples as many as X has.
    random_state : int, default=0
        Seed of the samples.
    ax : sequence of matplotlib Axes, default=None
        One Axes per column; None makes a new figure.

    Returns
    -------
    figure : matplotlib Figure

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VAETransformer
    >>> from skvae.plot import marginals
    >>> X, _ = load_wine(return_X_y=True)
    >>> vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X)
    >>> figure = marginals(vae, X, columns=[0, 1, 2])
    >>> len(figure.axes)
    3
    """
    check_vae(estimator, "marginals")
    real, sampled, data_columns = real_and_sampled(estimator, X, n_samples, random_state)
    observed = [column[~np.isnan(column)] for column in real.T]
    all_labels = output_column_labels(estimator)
    labels = [all_labels[j] for j in data_columns]
    names = [str(label) for label in labels]
    if columns is None:
        varying = np.flatnonzero([len(v) and np.ptp(v) > 0 for v in observed])
        picks = np.unique(np.linspace(0, len(varying) - 1, min(max_columns, len(varying))))
        positions = varying[picks.round().astype(int)]
    else:
        positions = []
        for column in columns:
            matches = [k for k, label in enumerate(labels) if _same(column, label)]
            if matches:
                positions.append(matches[0])
            elif column in names:
                positions.append(names.index(column))
            elif isinstance(column, int | np.integer) and int(column) in data_columns:
                positions.append(int(np.flatnonzero(data_columns == int(column))[0]))
            else:
                raise ValueError(
                    f"column {column!r} is not a modelled column of this model; choose among "
                    f"{names if len(names) <= 20 else 'its feature names or indices'}"
                )
    if len(positions) == 0:
        raise ValueError(
            "no column to draw: no modelled column has two distinct observed values in X; "
            "pass rows that vary, or name the columns to draw with columns="
        )
    empty = [names[p] for p in positions if not len(observed[p])]
    if empty:
        raise ValueError(f"columns {empty} have no observed value in X; choose other columns")
    distances = [marginal_distance(observed[p], sampled[:, p]) for p in positions]
    axes = panel_axes(ax, len(positions), (2.6 * len(positions), 2.8))
    for axis, position, (kind, distance) in zip(axes, positions, distances, strict=True):
        j = data_columns[position]
        if estimator.column_kinds_[j] == "categorical":
            # Named shares per category, not a histogram of the indices read as numbers.
            _category_bars(axis, observed[position], sampled[:, position], estimator.categories_[j])
        else:
            both = np.concatenate([observed[position], sampled[:, position]])
            bins = np.histogram_bin_edges(both, bins=25)
            axis.hist(observed[position], bins=bins, density=True, alpha=0.5, label="real")
            axis.hist(
                sampled[:, position],
                bins=bins,
                density=True,
                histtype="step",
                lw=2,
                label="sampled",
            )
        axis.set_title(f"{names[position]}\n{kind} {distance:.2f}", fontsize="medium")
        axis.set_yticks([])
    axes[0].legend(fontsize="small")
    axes[0].figure.suptitle("Marginals: real rows and rows sampled from the model")
    return axes[0].figure


def _category_bars(axis, real, sampled, categories):
    """Each category's share among the real and the sampled rows (category indices), as
    bars named by the categories."""
    positions = np.arange(len(categories))
    for offset, rows, label, style in (
        (-0.2, real, "real", {"alpha": 0.5}),
        (0.2, sampled, "sampled", {"fill": False, "lw": 2}),
    ):
        shares = np.bincount(rows.astype(int), minlength=len(categories)) / max(len(rows), 1)
        axis.bar(positions + offset, shares, width=0.4, label=label, **style)
    axis.set_xticks(positions, [str(category) for category in categories], rotation=45)


def correlations(estimator, X, n_samples=None, random_state=0, ax=None):
    """Pearson correlation matrices of the real rows and of sampled rows, side by side.

    The figure's title gives :func:`skvae.metrics.correlation_difference`, the mean absolute
    difference of the off-diagonal correlations. Constant columns have no correlation and
    are drawn in grey. Each pair of columns is correlated over the rows where both are
    observed, so a table with a missing entry in every row still has its matrix.

    Parameters
    ----------
    estimator : fitted VAETransformer, VAEOutlierDetector or VAEImputer
        The model to sample from (its own draws, as in :func:`marginals`).
    X : array-like of shape (n_samples, n_features)
        Real rows (pairwise-complete: missing entries leave out only their own pairs).
    n_samples : int, default=None
        Rows to sample; None samples as many as X has.
    random_state : int, default=0
        Seed of the samples.
    ax : pair of matplotlib Axes, default=None
        Where to draw the real and the sampled matrix; None makes a new figure.

    Returns
    -------
    figure : matplotlib Figure

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VAETransformer
    >>> from skvae.plot import correlations
    >>> X, _ = load_wine(return_X_y=True)
    >>> vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X)
    >>> figure = correlations(vae, X)
    >>> [axis.get_title() for axis in figure.axes[:2]]
    ['real', 'sampled']
    """
    check_vae(estimator, "correlations")
    real, sampled, data_columns = real_and_sampled(estimator, X, n_samples, random_state)
    axes = panel_axes(ax, 2, (10, 4.6))
    plt = pyplot()
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.85")
    names = list(np.take(feature_names(estimator), data_columns))
    for axis, rows, title in zip(axes, [real, sampled], ["real", "sampled"], strict=True):
        # Pairwise-complete Pearson correlations; NaN (grey) for constant columns.
        matrix = pd.DataFrame(rows).corr().to_numpy()
        image = axis.imshow(np.atleast_2d(matrix), cmap=cmap, vmin=-1, vmax=1)
        axis.set_title(title)
        if len(names) <= 20:
            axis.set_xticks(range(len(names)), names, rotation=90, fontsize="small")
            axis.set_yticks(range(len(names)), names, fontsize="small")
    axes[0].figure.colorbar(image, ax=axes, label="Pearson correlation", shrink=0.8)
    seen = ~np.isnan(real).all(axis=0)  # a column with no observed value has no correlation
    difference = correlation_difference(real[:, seen], sampled[:, seen]) if seen.any() else 0.0
    axes[0].figure.suptitle(
        f"Correlations: mean absolute difference {difference:.3f} (off-diagonal)"
    )
    return axes[0].figure


def _same(column, label):
    """Whether ``columns=`` entry ``column`` is the column label ``label`` (equal, and a
    bool only for a bool label: the int 1 is not the label True)."""
    if isinstance(column, bool | np.bool_) != isinstance(label, bool | np.bool_):
        return False
    try:
        return bool(column == label)
    except (TypeError, ValueError):
        return False
