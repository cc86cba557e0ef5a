"""Pictures of a fitted VAE: training curves, latent space, decodings, samples, scores.

Every function takes a fitted :class:`~skvae.VAETransformer`, :class:`~skvae.VAEOutlierDetector`
or :class:`~skvae.VAEImputer` (and usually some rows ``X``) and draws on a new figure, or
on the matplotlib Axes passed as ``ax=``. Single-panel plots return their Axes; plots made
of several panels (:func:`marginals`, :func:`correlations`) return the Figure.
:func:`report` puts all of them, with the model's key numbers, in one self-contained HTML
page (the ``skvae report`` command).

matplotlib is an optional dependency (``pip install "skvae[plot]"``); it is imported when
a function is first called, not with ``import skvae.plot``. Where no display is available
(no ``DISPLAY`` on Linux, and no ``MPLBACKEND`` chosen) the non-interactive Agg backend is
selected, so the functions work in scripts, CI jobs and servers.
"""

import os
import sys

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skvae.metrics import correlation_difference
from skvae.plot._data import (
    conditions_of,
    data_columns,
    decode,
    encode,
    feature_names,
    marginal_distance,
    real_and_sampled,
    standardised,
)
from skvae.plot._report import report, report_numbers

# A label with at most this many distinct values is coloured by category (with a legend)
# rather than on a continuous colour scale.
MAX_CATEGORIES = 20
HISTORY_KEYS = ("loss", "reconstruction", "kl")

__all__ = [
    "anomaly_scores",
    "correlations",
    "latent_space",
    "latent_traversal",
    "loss_curves",
    "marginals",
    "reconstructions",
    "report",
    "report_numbers",
]


# -- matplotlib, lazily -------------------------------------------------------------------
def _pyplot():
    """matplotlib.pyplot, with the Agg backend where there is no display to draw on."""
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(
            "skvae.plot needs matplotlib, which is not installed; install it with "
            '`pip install "skvae[plot]"` (or `pip install matplotlib`)'
        ) from error
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    # Never override a backend the user chose (MPLBACKEND, Jupyter's inline backend, or
    # one pyplot already runs with).
    if headless and "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _axes(ax, figsize):
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=figsize, layout="constrained")
    return ax


def _panels(ax, n_panels, figsize):
    """``n_panels`` Axes in a row: the given ones (checked), or a new figure's."""
    if ax is None:
        _, axes = _pyplot().subplots(
            1, n_panels, figsize=figsize, layout="constrained", squeeze=False
        )
        return list(axes[0])
    axes = list(np.ravel(np.asarray(ax, dtype=object)))
    if len(axes) != n_panels:
        raise ValueError(f"ax must hold {n_panels} matplotlib Axes here; got {len(axes)}")
    return axes


def _check_image_shape(image_shape, n_features):
    shape = tuple(int(size) for size in image_shape)
    if len(shape) != 2 or shape[0] * shape[1] != n_features:
        raise ValueError(
            f"image_shape={image_shape!r} must be (height, width) with height * width equal "
            f"to the number of modelled columns, {n_features}"
        )
    return shape


def _mosaic(images, n_cols, pad_value):
    """Tile images (n, h, w) into one array, n_cols per row, one pixel of padding."""
    n, h, w = images.shape
    n_rows = -(-n // n_cols)
    out = np.full((n_rows * (h + 1) + 1, n_cols * (w + 1) + 1), pad_value, dtype=np.float64)
    for k, image in enumerate(images):
        r, c = divmod(k, n_cols)
        out[1 + r * (h + 1) : 1 + r * (h + 1) + h, 1 + c * (w + 1) : 1 + c * (w + 1) + w] = image
    return out


def _heatmap(ax, values, label):
    plt = _pyplot()
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.85")  # missing entries (NaN) in grey
    limit = np.nanmax(np.abs(values)) if np.isfinite(values).any() else 1.0
    image = ax.imshow(values, aspect="auto", cmap=cmap, vmin=-limit, vmax=limit)
    ax.figure.colorbar(image, ax=ax, label=label, shrink=0.8)
    return image


def _label_features(ax, names):
    if len(names) <= 20:
        ax.set_xticks(range(len(names)), names, rotation=90)
    ax.set_xlabel("feature")


# -- the plots ----------------------------------------------------------------------------
def loss_curves(estimator, ax=None):
    """Per-epoch training curves from ``history_``: loss, reconstruction and KL.

    Validation curves (``val_loss``, ``val_reconstruction``, ``val_kl``, recorded with
    ``early_stopping=True``) are drawn dashed in the colour of their training curve. With
    ``kl_warmup`` a dotted line marks the end of the warm-up.

    Parameters
    ----------
    estimator : fitted VAETransformer, VAEOutlierDetector or VAEImputer
        The model whose ``history_`` to draw.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VAETransformer
    >>> from skvae.plot import loss_curves
    >>> X, _ = load_wine(return_X_y=True)
    >>> vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X)
    >>> ax = loss_curves(vae)
    >>> [line.get_label() for line in ax.get_lines()]
    ['loss', 'reconstruction', 'kl']
    """
    check_is_fitted(estimator, "history_")
    ax = _axes(ax, (6, 4))
    history = estimator.history_
    epochs = np.arange(1, estimator.n_iter_ + 1)
    for key in HISTORY_KEYS:
        if key not in history:
            continue
        (line,) = ax.plot(epochs, history[key], label=key)
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], "--", color=line.get_color(), label=f"val_{key}")
    warmup = estimator._kl_warmup_epochs()
    if warmup:
        ax.axvline(warmup, color="0.5", linestyle=":", label="end of KL warm-up")
    ax.set_xlabel("epoch")
    ax.set_ylabel("nats per row")
    ax.set_title(f"Training curves ({estimator.n_iter_} epochs)")
    ax.legend()
    return ax


def latent_space(estimator, X, y=None, dims=None, ax=None):
    """Scatter of the posterior means of X in two latent dimensions, coloured by a label.

    Parameters
    ----------
    estimator : fitted VAETransformer, VAEOutlierDetector or VAEImputer
        The model whose encoder maps X to the latent space (``transform`` for a
        VAETransformer).
    X : array-like of shape (n_samples, n_features)
        Rows to encode.
    y : array-like of shape (n_samples,), default=None
        Label to colour the points by: categories (at most 20 distinct values, or
        strings) get a legend and each class's name at its median position; other
        numbers a colour bar.
    dims : pair of int, default=None
        Latent dimensions on the x and y axes. None picks the two with the largest
        ``kl_per_dimension_``, the most informative ones, since collapsed units show
        nothing. With ``n_components=1`` the plot is a histogram of the single dimension.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VAETransformer
    >>> from skvae.plot import latent_space
    >>> X, y = load_wine(return_X_y=True)
    >>> vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X)
    >>> ax = latent_space(vae, X, y, dims=(0, 1))
    >>> ax.get_xlabel().split()[0], len(ax.get_legend().get_texts())
    ('z0', 3)
    """
    Z, X = encode(estimator, X)
    if y is not None:
        y = np.asarray(y)
        if y.shape != (len(Z),):
            raise ValueError(f"y must have one label per row of X ({len(Z)}); got {y.shape}")
    kl = estimator.kl_per_dimension_
    if dims is None:
        dims = np.sort(np.argsort(-kl, kind="stable")[:2])
    dims = [int(d) for d in np.atleast_1d(dims)]
    if not 1 <= len(dims) <= 2 or not all(0 <= d < estimator.n_components for d in dims):
        raise ValueError(
            f"dims must be one or two latent dimensions in [0, {estimator.n_components - 1}]; "
            f"got {dims}"
        )
    ax = _axes(ax, (6, 5))
    plt = _pyplot()
    names = [f"z{d} (KL {kl[d]:.2f} nats)" for d in dims]
    categorical = y is not None and (
        y.dtype.kind not in "fiub"
        or (len(np.unique(y)) <= MAX_CATEGORIES and np.all(np.mod(y, 1) == 0))
    )
    if len(dims) == 1:
        groups = np.unique(y) if categorical else [None]
        bins = np.histogram_bin_edges(Z[:, dims[0]], bins=30)
        for group in groups:
            values = Z[:, dims[0]] if group is None else Z[y == group, dims[0]]
            label = None if group is None else str(group)
            ax.hist(values, bins=bins, histtype="step", label=label)
        ax.set_xlabel(names[0])
        ax.set_ylabel("rows")
        if categorical:
            ax.legend(title="label")
    elif categorical:
        classes = np.unique(y)
        colours = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
        for k, group in enumerate(classes):
            points = Z[y == group][:, dims]
            ax.scatter(*points.T, s=8, alpha=0.6, color=colours(k % colours.N), label=str(group))
            centre = np.median(points, axis=0)
            ax.annotate(
                str(group),
                centre,
                ha="center",
                va="center",
                fontsize=12,
                weight="bold",
                bbox={"boxstyle": "round", "fc": "white", "alpha": 0.7, "lw": 0},
            )
        # A fixed corner: "best" searches over every point, which is slow for many rows.
        ax.legend(title="label", markerscale=2, fontsize="small", loc="upper right")
    else:
        points = ax.scatter(Z[:, dims[0]], Z[:, dims[1]], s=8, c=y, alpha=0.7)
        if y is not None:
            ax.figure.colorbar(points, ax=ax, label="label")
    if len(dims) == 2:
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
    ax.set_title(f"Latent space: posterior means of {len(Z)} rows")
    return ax


def latent_traversal(
    estimator, dims=None, n_steps=7, extent=2.0, image_shape=None, conditions=None, ax=None
):
    """Decoder means over a grid of two latent dimensions, the others held at 0.

    The grid spans ``[-extent, extent]`` prior standard deviations in each of the two
    dimensions. With ``image_shape`` every decoded row is drawn as an image, at its place
    in the grid; otherwise the decoded rows form a heatmap, one row per grid point, in
    standardised units ``(x - mean_) / scale_`` so that features on different scales
    share one colour scale.

    Parameters
    ----------
    estimator : fitted VAETransformer, VAEOutlierDetector or VAEImputer
        The model whose decoder to traverse.
    dims : pair of int, default=None
        The two latent dimensions to vary; None picks the two with the largest
        ``kl_per_dimension_``. A model with one latent dimension varies that one.
    n_steps : int, default=7
        Grid points per dimension.
    extent : float, default=2.0
        Half-width of the grid, in prior standard deviations.
    image_shape : (height, width), default=None
        Shape of one row as an image, e.g. ``(8, 8)`` for ``load_digits``.
    conditions : array-like of shape (n_conditions,), default=None
        Condition values to decode under, for a conditional model.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skvae import VAETransformer
    >>> from skvae.plot import latent_traversal
    >>> X, _ = load_digits(return_X_y=True)
    >>> vae = VAETransformer(hidden_layer_sizes=(16,), max_iter=2, random_state=0).fit(X)
    >>> ax = latent_traversal(vae, n_steps=5, image_shape=(8, 8))
    >>> ax.get_images()[0].get_array().shape  # 5 x 5 images of 8 x 8 pixels, padded
    (46, 46)
    """
    check_is_fitted(estimator)
    if dims is None:
        order = np.argsort(-estimator.kl_per_dimension_, kind="stable")
        dims = np.sort(order[:2])
    dims = [int(d) for d in np.atleast_1d(dims)]
    if len(dims) != min(2, estimator.n_components) or not all(
        0 <= d < estimator.n_components for d in dims
    ):
        raise ValueError(
            f"dims must be {min(2, estimator.n_components)} distinct latent dimensions in "
            f"[0, {estimator.n_components - 1}]; got {dims}"
        )
    values = np.linspace(-extent, extent, n_steps)
    # Grid rows: the second dimension decreases down the page, the first increases across.
    grid = np.zeros((n_steps ** len(dims), estimator.n_components))
    if len(dims) == 2:
        b, a = np.meshgrid(values[::-1], values, indexing="ij")
        grid[:, dims[0]], grid[:, dims[1]] = a.ravel(), b.ravel()
    else:
        grid[:, dims[0]] = values
    if conditions is not None:
        conditions = np.asarray(conditions, dtype=np.float64)
    decoded = decode(estimator, grid, conditions)
    ax = _axes(ax, (6, 6) if image_shape is not None else (8, 5))
    plt = _pyplot()
    ticks = [f"{v:.1f}" for v in values]
    if image_shape is not None:
        data = decoded[:, data_columns(estimator)]
        h, w = _check_image_shape(image_shape, data.shape[1])
        mosaic = _mosaic(data.reshape(-1, h, w), n_steps, pad_value=np.nan)
        cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
        ax.imshow(mosaic, cmap=cmap)
        centres = [1 + k * (w + 1) + (w - 1) / 2 for k in range(n_steps)]
        ax.set_xticks(centres, ticks)
        ax.set_xlabel(f"z{dims[0]}")
        if len(dims) == 2:
            ax.set_yticks([1 + k * (h + 1) + (h - 1) / 2 for k in range(n_steps)], ticks[::-1])
            ax.set_ylabel(f"z{dims[1]}")
        else:
            ax.set_yticks([])
    else:
        _heatmap(ax, standardised(estimator, decoded), "decoded value, (x - mean_) / scale_")
        names = [feature_names(estimator)[j] for j in data_columns(estimator)]
        _label_features(ax, names)
        if len(dims) == 2:
            labels = [f"({p:.1f}, {q:.1f})" for p, q in grid[:, dims]]
            ax.set_ylabel(f"grid point (z{dims[0]}, z{dims[1]})")
        else:
            labels = ticks
            ax.set_ylabel(f"z{dims[0]}")
        if len(labels) <= 30:
            ax.set_yticks(range(len(labels)), labels, fontsize="small")
    ax.set_title("Latent traversal: decoder means, other dimensions at 0")
    return ax


def reconstructions(estimator, X, n_rows=8, image_shape=None, ax=None):
    """The first rows of X next to their reconstructions (decoder mean of the posterior mean).

    The reconstruction of a row is ``inverse_transform(transform(x))``. With
    ``image_shape`` the real rows form the top line of images and their reconstructions
    the bottom line; otherwise a heatmap alternates each real row with its reconstruction,
    in standardised units ``(x - mean_) / scale_`` (missing entries in grey).

    Parameters
    ----------
    estimator : fitted VAETransformer, VAEOutlierDetector or VAEImputer
        The model to reconstruct with.
    X : array-like of shape (n_samples, n_features)
        Rows; the first ``n_rows`` are drawn.
    n_rows : int, default=8
        Number of rows to draw.
    image_shape : (height, width), default=None
        Shape of one row as an image, e.g. ``(8, 8)`` for ``load_digits``.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from skvae import VAETransformer
    >>> from skvae.plot import reconstructions
    >>> X, _ = load_wine(return_X_y=True)
    >>> vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X)
    >>> ax = reconstructions(vae, X, n_rows=4)
    >>> ax.get_images()[0].get_array().shape  # 4 real and 4 reconstructed rows, 13 columns
    (8, 13)
    """
    Z, X = encode(estimator, X.iloc[:n_rows] if hasattr(X, "iloc") else np.asarray(X)[:n_rows])
    rebuilt = decode(estimator, Z, conditions_of(estimator, X))
    real = X.astype(np.float64)
    ax = _axes(ax, (8, 3.5) if image_shape is not None else (8, 5))
    plt = _pyplot()
    if image_shape is not None:
        columns = data_columns(estimator)
        h, w = _check_image_shape(image_shape, len(columns))
        images = np.concatenate([real[:, columns], rebuilt[:, columns]]).reshape(-1, h, w)
        cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
        low, high = np.nanmin(real[:, columns]), np.nanmax(real[:, columns])
        ax.imshow(_mosaic(images, len(Z), np.nan), cmap=cmap, vmin=low, vmax=high)
        ax.set_xticks([1 + k * (w + 1) + (w - 1) / 2 for k in range(len(Z))], range(len(Z)))
        ax.set_yticks([1 + (h - 1) / 2, 2 + h + (h - 1) / 2], ["real", "reconstructed"])
        ax.set_xlabel("row")
    else:
        pairs = np.empty((2 * len(Z), len(data_columns(estimator))))
        pairs[0::2] = standardised(estimator, real)
        pairs[1::2] = standardised(estimator, rebuilt)
        _heatmap(ax, pairs, "value, (x - mean_) / scale_")
        for k in range(1, len(Z)):
            ax.axhline(2 * k - 0.5, color="black", linewidth=1.5)
        ax.set_yticks(
            range(2 * len(Z)),
            [f"row {k // 2}" if k % 2 == 0 else "rebuilt" for k in range(2 * len(Z))],
        )
        _label_features(ax, [feature_names(estimator)[j] for j in data_columns(estimator)])
    ax.set_title("Real rows and their reconstructions")
    return ax


def marginals(estimator, X, columns=None, max_columns=6, n_samples=None, random_state=0, ax=None):
    """Histograms of real and sampled values, one panel per column.

    Each panel is titled with a distance between the two samples (0 is a perfect match):
    the total variation (:func:`skvae.metrics.total_variation`) when the real column has
    at most 20 distinct values and the sampled values are among them, the
    Kolmogorov-Smirnov statistic (:func:`skvae.metrics.ks_statistic`) otherwise.

    Parameters
    ----------
    estimator : fitted VAETransformer, VAEOutlierDetector or VAEImputer
        The model to sample from (``sample``, with its observation noise).
    X : array-like of shape (n_samples, n_features)
        Real rows (rows with a missing entry are left out).
    columns : list of int or str, default=None
        Columns to draw (indices, or names for a model fitted on a DataFrame). None takes
        up to ``max_columns`` non-constant modelled columns, evenly spread over the table.
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
    real, sampled, data_columns = real_and_sampled(estimator, X, n_samples, random_state)
    names = [feature_names(estimator)[j] for j in data_columns]
    if columns is None:
        varying = np.flatnonzero(np.ptp(real, axis=0) > 0) if len(real) else np.array([], int)
        picks = np.unique(np.linspace(0, len(varying) - 1, min(max_columns, len(varying))))
        positions = varying[picks.round().astype(int)]
    else:
        positions = []
        for column in columns:
            if column in names:
                positions.append(names.index(column))
            elif isinstance(column, int | np.integer) and int(column) in data_columns:
                positions.append(int(np.flatnonzero(data_columns == int(column))[0]))
            else:
                raise ValueError(
                    f"column {column!r} is not a modelled column of this model; choose among "
                    f"{names if len(names) <= 20 else 'its feature names or indices'}"
                )
    if len(positions) == 0:
        raise ValueError("no column to draw: every modelled column is constant in X")
    distances = [marginal_distance(real[:, p], sampled[:, p]) for p in positions]
    axes = _panels(ax, len(positions), (2.6 * len(positions), 2.8))
    for axis, position, (kind, distance) in zip(axes, positions, distances, strict=True):
        both = np.concatenate([real[:, position], sampled[:, position]])
        bins = np.histogram_bin_edges(both, bins=25)
        axis.hist(real[:, position], bins=bins, density=True, alpha=0.5, label="real")
        axis.hist(
            sampled[:, position], bins=bins, density=True, histtype="step", lw=2, label="sampled"
        )
        axis.set_title(f"{names[position]}\n{kind} {distance:.2f}", fontsize="medium")
        axis.set_yticks([])
    axes[0].legend(fontsize="small")
    axes[0].figure.suptitle("Marginals: real rows and rows sampled from the model")
    return axes[0].figure


def correlations(estimator, X, n_samples=None, random_state=0, ax=None):
    """Pearson correlation matrices of the real rows and of sampled rows, side by side.

    The figure's title gives :func:`skvae.metrics.correlation_difference`, the mean absolute
    difference of the off-diagonal correlations. Constant columns have no correlation and
    are drawn in grey.

    Parameters
    ----------
    estimator : fitted VAETransformer, VAEOutlierDetector or VAEImputer
        The model to sample from.
    X : array-like of shape (n_samples, n_features)
        Real rows (rows with a missing entry are left out).
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
    real, sampled, data_columns = real_and_sampled(estimator, X, n_samples, random_state)
    axes = _panels(ax, 2, (10, 4.6))
    plt = _pyplot()
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.85")
    names = [feature_names(estimator)[j] for j in data_columns]
    for axis, rows, title in zip(axes, [real, sampled], ["real", "sampled"], strict=True):
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix = np.corrcoef(rows, rowvar=False) if rows.shape[1] > 1 else np.ones((1, 1))
        image = axis.imshow(np.atleast_2d(matrix), cmap=cmap, vmin=-1, vmax=1)
        axis.set_title(title)
        if len(names) <= 20:
            axis.set_xticks(range(len(names)), names, rotation=90, fontsize="small")
            axis.set_yticks(range(len(names)), names, fontsize="small")
    axes[0].figure.colorbar(image, ax=axes, label="Pearson correlation", shrink=0.8)
    difference = correlation_difference(real, sampled)
    axes[0].figure.suptitle(
        f"Correlations: mean absolute difference {difference:.3f} (off-diagonal)"
    )
    return axes[0].figure


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
        Group labels (for example known inliers and outliers): one histogram per group.
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
    ax = _axes(ax, (6, 4))
    low_q, high = np.percentile(scores, 1), scores.max()
    low = low_q if threshold is None else min(low_q, threshold)
    low -= 0.1 * max(high - low, 1e-9)
    clipped = np.maximum(scores, low)
    n_clipped = int((scores < low).sum())
    edges = np.linspace(low, high, bins + 1)
    groups = [(None, clipped)] if y is None else [(g, clipped[y == g]) for g in np.unique(y)]
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
