"""The latent space of a fitted VAE: posterior means of rows, decoder traversals, and
reconstructions of rows through it."""

import numpy as np

from skvae.plot._data import (
    check_vae,
    conditions_of,
    data_columns,
    decode,
    encode,
    feature_names,
    first_rows,
    heatmap_cells,
    label_groups,
    missing_labels,
)
from skvae.plot._figure import (
    check_image_shape,
    heatmap,
    label_features,
    pyplot,
    single_axes,
    tile_images,
)


def check_dims(dims, counts, n_components):
    """``dims`` as a list of distinct ints in [0, n_components), as many as one of ``counts``.

    Examples
    --------
    >>> from skvae.plot._latent import check_dims
    >>> check_dims((1, 0), range(1, 3), 3)
    [1, 0]
    """
    dims = [int(d) for d in np.atleast_1d(dims)]
    if (
        len(dims) not in counts
        or len(set(dims)) != len(dims)
        or not all(0 <= d < n_components for d in dims)
    ):
        how_many = " or ".join(["one", "two"][count - 1] for count in counts)
        raise ValueError(
            f"dims must be {how_many} distinct latent dimensions in [0, {n_components - 1}]; "
            f"got {dims}"
        )
    return dims


# A label with at most this many distinct values is coloured by category (with a legend)
# rather than on a continuous colour scale.
MAX_CATEGORIES = 20


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
        numbers a colour bar. Rows with a missing label (None, NaN) are drawn in grey,
        as the group "missing".
    dims : pair of int, default=None
        Two distinct latent dimensions, on the x and y axes. None picks the two with the largest
        ``kl_per_dimension_`` (of the top layer, in a hierarchy), the most informative
        ones, since collapsed units show nothing. With ``n_components=1`` the plot is a
        histogram of the single dimension.
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
    check_vae(estimator, "latent_space")
    Z, X = encode(estimator, X)
    if y is not None:
        y = np.asarray(y)
        if y.shape != (len(Z),):
            raise ValueError(f"y must have one label per row of X ({len(Z)}); got {y.shape}")
    # A hierarchy's kl_per_dimension_ also holds its lower layer, which encode does not give.
    kl = estimator.kl_per_dimension_[: estimator.n_components_]
    if dims is None:
        dims = np.sort(np.argsort(-kl, kind="stable")[:2])
    dims = check_dims(dims, range(1, 3), estimator.n_components_)
    ax = single_axes(ax, (6, 5))
    plt = pyplot()
    names = [f"z{d} (KL {kl[d]:.2f} nats)" for d in dims]
    groups = None if y is None else label_groups(y)
    missing = None if y is None else missing_labels(y)
    if y is not None and y.dtype.kind in "fiub":
        known = y[~missing] if missing is not None else y
        if len(groups) - (missing is not None) > MAX_CATEGORIES or np.any(np.mod(known, 1)):
            groups = None  # a continuous label: a colour scale
    if len(dims) == 1:
        bins = np.histogram_bin_edges(Z[:, dims[0]], bins=30)
        for k, (name, mask) in enumerate(groups or [(None, slice(None))]):
            grey = groups is not None and missing is not None and k == len(groups) - 1
            colour = "0.5" if grey else None
            ax.hist(Z[mask, dims[0]], bins=bins, histtype="step", label=name, color=colour)
        ax.set_xlabel(names[0])
        ax.set_ylabel("rows")
        if groups is not None:
            ax.legend(title="label")
    elif groups is not None:
        colours = plt.get_cmap("tab10" if len(groups) <= 10 else "tab20")
        for k, (group, mask) in enumerate(groups):
            points = Z[mask][:, dims]
            grey = missing is not None and k == len(groups) - 1
            colour = "0.6" if grey else colours(k % colours.N)
            ax.scatter(*points.T, s=8, alpha=0.6, color=colour, label=group)
            if grey:
                continue
            centre = np.median(points, axis=0)
            ax.annotate(
                group,
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
        shown = slice(None) if missing is None else ~missing
        if missing is not None:
            ax.scatter(*Z[missing][:, dims].T, s=8, alpha=0.5, color="0.6", label="missing")
            ax.legend(title="label", loc="upper right")
        colour = None if y is None else y[shown].astype(np.float64)
        points = ax.scatter(Z[shown, dims[0]], Z[shown, dims[1]], s=8, c=colour, alpha=0.7)
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
    share one colour scale (0/1 columns as 0 and 1). A categorical column is off the
    colour scale, whose limits the other columns set: its cells are grey and name the
    most probable category (in heatmaps of at most 60 rows).

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
        Condition values to decode under, for a conditional model: one value per
        ``condition_on`` column, as X holds them (a category itself, not its index).
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
    check_vae(estimator, "latent_traversal")
    if dims is None:
        kl = estimator.kl_per_dimension_[: estimator.n_components_]  # the top layer's
        order = np.argsort(-kl, kind="stable")
        dims = np.sort(order[:2])
    n_dims = min(2, estimator.n_components_)
    dims = check_dims(dims, range(n_dims, n_dims + 1), estimator.n_components_)
    values = np.linspace(-extent, extent, n_steps)
    # Grid rows: the second dimension decreases down the page, the first increases across.
    grid = np.zeros((n_steps ** len(dims), estimator.n_components_))
    if len(dims) == 2:
        b, a = np.meshgrid(values[::-1], values, indexing="ij")
        grid[:, dims[0]], grid[:, dims[1]] = a.ravel(), b.ravel()
    else:
        grid[:, dims[0]] = values
    decoded = decode(estimator, grid, conditions)
    ax = single_axes(ax, (6, 6) if image_shape is not None else (8, 5))
    plt = pyplot()
    ticks = [f"{v:.1f}" for v in values]
    if image_shape is not None:
        data = decoded[:, data_columns(estimator)]
        h, w = check_image_shape(image_shape, data.shape[1])
        mosaic = tile_images(data.reshape(-1, h, w), n_steps, pad_value=np.nan)
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
        values, texts = heatmap_cells(estimator, decoded)
        heatmap(ax, values, "decoded value, (x - mean_) / scale_", texts)
        names = list(np.take(feature_names(estimator), data_columns(estimator)))
        label_features(ax, names)
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
    in standardised units ``(x - mean_) / scale_`` (missing entries in grey; 0/1 columns
    as 0 and 1). A categorical column is off the colour scale, whose limits the other
    columns set: its cells are grey and name the real and the most probable decoded
    category (in heatmaps of at most 60 rows).

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
    check_vae(estimator, "reconstructions")
    Z, X = encode(estimator, first_rows(X, n_rows))
    rebuilt = decode(estimator, Z, conditions_of(estimator, X))
    real = X.astype(np.float64)
    ax = single_axes(ax, (8, 3.5) if image_shape is not None else (8, 5))
    plt = pyplot()
    if image_shape is not None:
        columns = data_columns(estimator)
        h, w = check_image_shape(image_shape, len(columns))
        images = np.concatenate([real[:, columns], rebuilt[:, columns]]).reshape(-1, h, w)
        cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
        low, high = np.nanmin(real[:, columns]), np.nanmax(real[:, columns])
        ax.imshow(tile_images(images, len(Z), np.nan), cmap=cmap, vmin=low, vmax=high)
        ax.set_xticks([1 + k * (w + 1) + (w - 1) / 2 for k in range(len(Z))], range(len(Z)))
        ax.set_yticks([1 + (h - 1) / 2, 2 + h + (h - 1) / 2], ["real", "reconstructed"])
        ax.set_xlabel("row")
    else:
        pairs = np.empty((2 * len(Z), len(data_columns(estimator))))
        texts = np.empty(pairs.shape, dtype=object)
        pairs[0::2], texts[0::2] = heatmap_cells(estimator, real)
        pairs[1::2], texts[1::2] = heatmap_cells(estimator, rebuilt)
        heatmap(ax, pairs, "value, (x - mean_) / scale_", texts)
        for k in range(1, len(Z)):
            ax.axhline(2 * k - 0.5, color="black", linewidth=1.5)
        ax.set_yticks(
            range(2 * len(Z)),
            [f"row {k // 2}" if k % 2 == 0 else "rebuilt" for k in range(2 * len(Z))],
        )
        label_features(ax, list(np.take(feature_names(estimator), data_columns(estimator))))
    ax.set_title("Real rows and their reconstructions")
    return ax
