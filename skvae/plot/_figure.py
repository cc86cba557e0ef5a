"""matplotlib for skvae.plot, imported lazily, and the Axes and image helpers the plots share."""

import os
import sys

import numpy as np


def pyplot():
    """matplotlib.pyplot, with the Agg backend where there is no display to draw on.

    Examples
    --------
    >>> from skvae.plot._figure import pyplot
    >>> pyplot().__name__
    'matplotlib.pyplot'
    """
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(
            "skvae.plot needs matplotlib, which is not installed; install it with "
            '`pip install matplotlib` (or `pip install -e ".[plot]"` in a checkout of skvae)'
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


def single_axes(ax, figsize):
    """The given Axes, or the Axes of a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    _, ax = pyplot().subplots(figsize=figsize, layout="constrained")
    return ax


def panel_axes(ax, n_panels, figsize):
    """``n_panels`` Axes in a row: the given ones (checked), or a new figure's."""
    if ax is None:
        _, axes = pyplot().subplots(
            1, n_panels, figsize=figsize, layout="constrained", squeeze=False
        )
        return list(axes[0])
    axes = list(np.ravel(np.asarray(ax, dtype=object)))
    if len(axes) != n_panels:
        raise ValueError(f"ax must hold {n_panels} matplotlib Axes here; got {len(axes)}")
    return axes


def check_image_shape(image_shape, n_features):
    """``image_shape`` as (height, width) ints, checked to hold ``n_features`` pixels.

    Examples
    --------
    >>> from skvae.plot._figure import check_image_shape
    >>> check_image_shape([8, 8.0], 64)
    (8, 8)
    """
    shape = tuple(int(size) for size in image_shape)
    if len(shape) != 2 or shape[0] * shape[1] != n_features:
        raise ValueError(
            f"image_shape={image_shape!r} must be (height, width) with height * width equal "
            f"to the number of modelled columns, {n_features}"
        )
    return shape


def tile_images(images, n_cols, pad_value):
    """Tile images (n, h, w) into one array, n_cols per row, one pixel of padding.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.plot._figure import tile_images
    >>> tile_images(np.ones((3, 2, 2)), 2, pad_value=0.0).shape  # 2 rows of 2 images
    (7, 7)
    """
    n, h, w = images.shape
    n_rows = -(-n // n_cols)
    out = np.full((n_rows * (h + 1) + 1, n_cols * (w + 1) + 1), pad_value, dtype=np.float64)
    for k, image in enumerate(images):
        r, c = divmod(k, n_cols)
        out[1 + r * (h + 1) : 1 + r * (h + 1) + h, 1 + c * (w + 1) : 1 + c * (w + 1) + w] = image
    return out


def heatmap(ax, values, label, texts=None):
    """Draw rows of standardised values on a diverging scale centred at 0, with a colour bar.

    The colour limits are the largest |value| (NaN cells, grey, do not count); ``texts``
    (an array of strings of ``values``' shape) is written into the cells of a heatmap of
    at most 60 rows (categories, which are off the colour scale).
    """
    plt = pyplot()
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.85")  # missing entries (NaN) in grey
    limit = np.nanmax(np.abs(values)) if np.isfinite(values).any() else 1.0
    limit = limit if limit > 0 else 1.0
    image = ax.imshow(values, aspect="auto", cmap=cmap, vmin=-limit, vmax=limit)
    ax.figure.colorbar(image, ax=ax, label=label, shrink=0.8)
    if texts is not None and len(values) <= 60:
        for (i, j), text in np.ndenumerate(texts):
            if text:
                ax.text(j, i, text, ha="center", va="center", fontsize="x-small")
    return image


def label_features(ax, names):
    """Name the x axis's feature columns (each by name when there are at most 20)."""
    if len(names) <= 20:
        ax.set_xticks(range(len(names)), names, rotation=90)
    ax.set_xlabel("feature")
