"""Out-of-core fitting: a memory-mapped X read in fixed-size chunks and mini-batches.

``fit`` on a :class:`numpy.memmap` never holds more than a chunk of X (plus the model and
one batch queue) in memory: the scaling statistics are accumulated chunk by chunk, every
mini-batch reads only its own rows from the map, and the posterior diagnostics after
training are computed chunk by chunk too.
"""

import math

import numpy as np
from keras.utils import PyDataset

from skvae._nn._trainer import TrainingData, split_validation, validation_batch_size
from skvae._table._scaling import check_observed, scaling_from_moments
from skvae._table._whitening import correlation_statistics

# Rows read at once by the chunked passes (statistics, diagnostics): 65536 rows of 50
# float64 features are 26 MB.
CHUNK_ROWS = 65536


def is_memmap(X):
    """Whether X is a NumPy memory map (``np.memmap`` or ``np.load(..., mmap_mode=...)``)."""
    return isinstance(X, np.memmap)


def iter_chunks(X, chunk_rows=None):
    """Consecutive row blocks of X as float64 in-memory arrays (CHUNK_ROWS by default)."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    for start in range(0, len(X), chunk_rows):
        yield np.asarray(X[start : start + chunk_rows], dtype=np.float64)


def check_chunk(chunk, start):
    """Raise the error validate_data would for infinite entries (NaN means missing)."""
    if np.isinf(chunk).any():
        row = start + int(np.flatnonzero(np.isinf(chunk).any(axis=1))[0])
        raise ValueError(
            f"Input X contains infinity (first in row {row}); NaN marks a missing value, "
            "but infinite values are not allowed"
        )


def chunked_scaling(X, data_columns, chunk_rows=None):
    """(mean, scale) of the ``data_columns`` of X, as ``fit_feature_scaling`` computes
    them, from one pass over X's chunks (Chan et al.'s pairwise update of counts, means and
    sums of squared deviations, so no precision is lost to large means).

    Also checks every chunk for infinite entries.
    """
    n_features = len(data_columns)
    count = np.zeros(n_features)
    mean = np.zeros(n_features)
    m2 = np.zeros(n_features)
    # The smallest and largest values (NaN until a column has one): whether it is constant.
    low, high = np.full(n_features, np.nan), np.full(n_features, np.nan)
    chunk_rows = chunk_rows or CHUNK_ROWS
    for i, chunk in enumerate(iter_chunks(X, chunk_rows)):
        check_chunk(chunk, i * chunk_rows)
        chunk = chunk[:, data_columns]
        observed = ~np.isnan(chunk)
        low = np.fmin(low, np.fmin.reduce(chunk, initial=np.nan))
        high = np.fmax(high, np.fmax.reduce(chunk, initial=np.nan))
        n_b = observed.sum(axis=0)
        has = n_b > 0
        mean_b = np.zeros(n_features)
        mean_b[has] = np.nansum(chunk[:, has], axis=0) / n_b[has]
        m2_b = np.nansum(np.where(observed, chunk - mean_b, 0.0) ** 2, axis=0)
        total = count + n_b
        delta = mean_b - mean
        with np.errstate(invalid="ignore", divide="ignore"):
            weight = np.where(total > 0, n_b / np.maximum(total, 1), 0.0)
        mean = mean + delta * weight
        m2 = m2 + m2_b + delta**2 * count * weight
        count = total
    # Errors name the columns by their positions in X.
    names = np.asarray(data_columns).tolist()
    check_observed(count == 0, names)
    return scaling_from_moments(mean, np.sqrt(m2 / count), low, high, names)


def chunked_correlation(X, columns, mean, scale, chunk_rows=None):
    """What whitening needs (skvae._table._whitening.correlation_statistics) from one pass
    over X's chunks, without loading X: the correlation matrix of the standardised
    ``columns`` over the rows without a missing value in them, each column's number of
    missing values, and its number of distinct values (counted up to
    MAX_DISCRETE_VALUES + 1).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._nn._streaming import chunked_correlation
    >>> X = np.random.default_rng(0).normal(size=(1000, 3))
    >>> X[:, 2] = np.round(X[:, 2])
    >>> mean, scale = X.mean(0), X.std(0)
    >>> correlation, n_missing, n_values = chunked_correlation(X, np.arange(3), mean, scale, 64)
    >>> bool(np.allclose(correlation, np.corrcoef(X, rowvar=False))), n_missing.tolist()
    (True, [0, 0, 0])
    >>> n_values[2]
    7
    """
    blocks = (chunk[:, columns] for chunk in iter_chunks(X, chunk_rows))
    return correlation_statistics(blocks, mean, scale)


def check_bernoulli_chunks(X, data_columns, chunk_rows=None):
    """Raise the likelihood="bernoulli" error if any modelled entry is outside [0, 1]."""
    low, high = np.inf, -np.inf
    for chunk in iter_chunks(X, chunk_rows):
        part = chunk[:, data_columns]
        if not np.isnan(part).all():
            low, high = min(low, np.nanmin(part)), max(high, np.nanmax(part))
    if low < 0 or high > 1:
        raise ValueError(
            'likelihood="bernoulli" needs X in [0, 1]; got values from '
            f'{low:g} to {high:g}. Use likelihood="gaussian" or rescale X.'
        )


class MemmapBatches(PyDataset):
    """Mini-batches of selected rows of a memory-mapped X, as model inputs.

    Each batch reads its own rows from the map (sorted, so reads go forward through the
    file) and turns them into model inputs with ``to_inputs``. With ``seed`` the order is
    reshuffled every epoch by a private generator; without, rows come in order
    (validation data).
    """

    def __init__(self, X, rows, batch_size, to_inputs, seed=None):
        super().__init__(workers=1, use_multiprocessing=False)
        self._X = X
        self._rows = np.asarray(rows)
        self._batch_size = int(batch_size)
        self._to_inputs = to_inputs
        self._rng = None if seed is None else np.random.default_rng(seed)
        self._order = self._shuffled()

    def _shuffled(self):
        if self._rng is None:
            return self._rows
        return self._rows[self._rng.permutation(len(self._rows))]

    def __len__(self):
        return math.ceil(len(self._rows) / self._batch_size)

    def __getitem__(self, index):
        rows = np.sort(self._order[index * self._batch_size : (index + 1) * self._batch_size])
        return (self._to_inputs(np.asarray(self._X[rows], dtype=np.float64)),)

    def on_epoch_end(self):
        self._order = self._shuffled()


def memmap_training_data(X, to_inputs, seed, config):
    """Training (and early-stopping validation) batches over a memory-mapped X.

    ``config`` is a :class:`~skvae._nn._training_config.TrainingConfig`.
    """
    rows = np.arange(len(X))
    validation = None
    if config.early_stopping:
        rows, val_rows = split_validation(
            rows, config.validation_fraction, np.random.default_rng([seed, 2])
        )
        validation = MemmapBatches(X, val_rows, validation_batch_size(config), to_inputs)
    batches = MemmapBatches(X, rows, min(config.batch_size, len(rows)), to_inputs, seed=[seed, 3])
    return TrainingData(batches, validation)


def chunked_posterior_summary(X, posterior_diagnostics, to_inputs, chunk_rows=None):
    """Mean KL per latent dimension and variance of the posterior location over X's rows.

    ``posterior_diagnostics(inputs)`` gives, per row, the KL of each latent dimension and
    the deterministic posterior point (the posterior mean for the diagonal Gaussian); one
    chunk at a time.
    """
    n = 0
    kl_sum = z_sum = z_sq = None
    for chunk in iter_chunks(X, chunk_rows):
        kl, location = posterior_diagnostics(to_inputs(chunk))
        if kl_sum is None:
            kl_sum, z_sum, z_sq = (np.zeros(location.shape[1]) for _ in range(3))
        kl_sum += kl.sum(axis=0)
        z_sum += location.sum(axis=0)
        z_sq += (location**2).sum(axis=0)
        n += len(chunk)
    z_avg = z_sum / n
    return kl_sum / n, np.maximum(z_sq / n - z_avg**2, 0.0)
