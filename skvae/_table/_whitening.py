"""Whitening of the continuous columns: their principal axes as the model's coordinates.

A VAE's decoder is a product of one density per column given z, so whatever correlation
between columns its few latent dimensions do not explain is lost. Strongly correlated
columns (breast_cancer's radius, perimeter and area) cost it many nats per row: PCA
with 27 components scored 28.7 nats per row on held-out rows there, the VAE 21. Rotating
the standardised columns onto their principal axes and dividing each axis by its
standard deviation (PCA whitening) hands the decoder coordinates that are uncorrelated,
so even a decoder that ignored z would be the full-covariance Gaussian, and the latent
space models what is left.

The map is linear and invertible: ``u = ((x - mean) / scale) @ W`` with ``W = R / sd``
(R the eigenvectors of the correlation matrix, sd the square roots of its eigenvalues,
floored), so the density in X's units is the density of u plus ``log|det W|``, which
the column layout adds through each coordinate's log-scale (see :func:`log_sd`).

It is the VAEs' ``whiten=True``, off by default: it raised breast_cancer's held-out
log-likelihood from 24 to 35 nats per row, but lowered that of skewed columns, and the
latent space then describes whitened axes, which worsens reconstructions
(docs/density.rst).
"""

import numpy as np

from skvae._blas import one_blas_thread
from skvae._table._codes import CONTINUOUS_KINDS
from skvae._table._conditionals import conditional_means
from skvae._table._discrete import MAX_DISCRETE_VALUES, is_discrete
from skvae._table._labels import column_labels

# Column kinds whose values can be rotated together: densities on the whole real line.
WHITENED_KINDS = tuple(kind for kind in CONTINUOUS_KINDS if kind != "integer")

# Eigenvalues of the correlation matrix are floored at this (in units of a standardised
# column's variance): a direction with almost no spread in training (two columns that are
# copies of each other) then keeps a finite scale, and a held-out row that departs from
# it pays a bounded price, as a constant column does through its borrowed scale.
EIGENVALUE_FLOOR = 1e-3
# The EM estimate of the correlation of columns with holes (em_correlation) stops after
# this many iterations, or when no entry moves by more than EM_TOL.
EM_MAX_ITER = 100
EM_TOL = 1e-4
# With holes, a column missing in more than this share of the training rows is not rotated.
MAX_ROTATED_MISSING_SHARE = 0.5


def floored_covariance(covariance):
    """``covariance`` with its eigenvalues floored at ``EIGENVALUE_FLOOR``: a direction
    with (almost) no spread keeps a finite one.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._whitening import floored_covariance
    >>> np.linalg.eigvalsh(floored_covariance(np.ones((2, 2)))).round(3).tolist()
    [0.001, 2.0]
    """
    eigenvalues, vectors = np.linalg.eigh(covariance)
    return (vectors * np.maximum(eigenvalues, EIGENVALUE_FLOOR)) @ vectors.T


def correlation_statistics(blocks, mean, scale):
    """What whitening needs from the candidate columns of the training rows, read as row
    blocks (the whole array in memory, or a memory map's chunks): the correlation matrix
    of the standardised columns over the rows without a missing value in them, each
    column's number of missing values, and its number of distinct values (counted up to
    MAX_DISCRETE_VALUES + 1, all that :func:`~skvae._table._discrete.is_discrete` needs).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._whitening import correlation_statistics
    >>> X = np.random.default_rng(0).normal(size=(1000, 3))
    >>> X[:, 2] = np.round(X[:, 2])
    >>> X[0, 1] = np.nan
    >>> blocks, mean, scale = np.array_split(X, 4), X[1:].mean(0), X[1:].std(0)
    >>> correlation, n_missing, n_values = correlation_statistics(blocks, mean, scale)
    >>> bool(np.allclose(correlation, np.corrcoef(X[1:], rowvar=False))), n_missing.tolist()
    (True, [0, 1, 0])
    >>> n_values[2]
    7
    """
    total = np.zeros((len(mean), len(mean)))
    n_complete, n_missing = 0, np.zeros(len(mean), dtype=int)
    values = [set() for _ in range(len(mean))]
    for block in blocks:
        for seen, column in zip(values, block.T, strict=True):
            # A column with more values is not discrete, however many more it has.
            seen.update(np.unique(column[~np.isnan(column)])[: MAX_DISCRETE_VALUES + 1].tolist())
        U = (block - mean) / scale
        missing = np.isnan(U)
        U = U[~missing.any(axis=1)]
        total += U.T @ U
        n_complete += len(U)
        n_missing += missing.sum(axis=0)
    return total / max(n_complete, 1), n_missing, [len(seen) for seen in values]


def em_correlation(S, max_iter=EM_MAX_ITER, tol=EM_TOL):
    """The covariance matrix of standardised columns S with holes (NaN), by the EM
    algorithm for a centred Gaussian (Dempster, Laird and Rubin 1977): each row's holes
    are replaced by their conditional mean given its observed entries, plus the
    conditional covariance, until the matrix changes by less than ``tol``. Rows with
    holes then inform the correlations through their observed entries, where the complete
    rows alone may be few (a fifth of the entries of 13 columns missing at random leaves
    one row in twenty complete).

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._whitening import em_correlation
    >>> rng = np.random.default_rng(0)
    >>> C = [[1.0, 0.8, 0.4], [0.8, 1.0, 0.3], [0.4, 0.3, 1.0]]
    >>> S = rng.multivariate_normal([0, 0, 0], C, size=4000)
    >>> S[rng.uniform(size=S.shape) < 0.3] = np.nan
    >>> bool(np.allclose(em_correlation(S), C, atol=0.06))
    True
    """
    with one_blas_thread():
        holes = np.isnan(S)
        patterns, pattern_of_row = np.unique(holes, axis=0, return_inverse=True)
        groups = [(missing, S[pattern_of_row.ravel() == p]) for p, missing in enumerate(patterns)]
        # The start: the mean products over the pairs observed together.
        observed = np.where(holes, 0.0, S)
        counts = (~holes).T.astype(float) @ (~holes)
        covariance = observed.T @ observed / np.maximum(counts, 1)
        covariance = covariance + np.diag(np.where(np.diag(counts) > 0, 0.0, 1.0))
        # Products over different subsets of rows need not form a covariance matrix (a column
        # observed in a few rows can give a "correlation" above 1), and EM started there can
        # stop before it becomes one: the start's eigenvalues are floored.
        covariance = floored_covariance(covariance)
        for _ in range(max_iter):
            total = np.zeros_like(covariance)
            for missing, rows in groups:
                kept = ~missing
                filled = np.where(np.isnan(rows), 0.0, rows)
                if missing.any():
                    # Floored so that a pattern whose observed columns are collinear still solves.
                    inner = covariance[np.ix_(kept, kept)] + 1e-6 * np.eye(kept.sum())
                    regression = np.linalg.solve(inner, covariance[np.ix_(kept, missing)]).T
                    filled[:, missing] = rows[:, kept] @ regression.T
                    conditional = (
                        covariance[np.ix_(missing, missing)]
                        - regression @ covariance[np.ix_(kept, missing)]
                    )
                    total[np.ix_(missing, missing)] += len(rows) * conditional
                total += filled.T @ filled
            updated = total / len(S)
            change = np.max(np.abs(updated - covariance))
            covariance = updated
            if change < tol:
                break
        return covariance


def whitening_from_correlation(correlation, floor=EIGENVALUE_FLOOR):
    """The whitening matrix W of standardised columns with this correlation matrix (over
    the training rows, computed in memory or chunk by chunk for a memory map): ``X_scaled
    @ W`` has uncorrelated columns of unit variance (those whose eigenvalue is above
    ``floor``).

    Parameters
    ----------
    correlation : ndarray of shape (n_columns, n_columns)
        ``X_scaled.T @ X_scaled / n_samples`` of the standardised training columns.
    floor : float, default=1e-3
        Smallest eigenvalue used (see ``EIGENVALUE_FLOOR``).

    Returns
    -------
    W : ndarray of shape (n_columns, n_columns)
        Eigenvectors as columns, largest eigenvalue first, each divided by the square root
        of its floored eigenvalue; the sign of each is fixed (its largest entry positive,
        the first of those equal up to rounding) so the map does not depend on the LAPACK
        build. (Directions that share an eigenvalue have no unique basis: no sign rule
        fixes them.)

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._whitening import whitening_from_correlation
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 2)) @ [[1.0, 0.9], [0.0, 0.4]]
    >>> X = (X - X.mean(0)) / X.std(0)
    >>> W = whitening_from_correlation(X.T @ X / len(X))
    >>> (np.round(np.cov(X @ W, rowvar=False, bias=True), 6) + 0.0).tolist()  # + 0.0: no -0.0
    [[1.0, 0.0], [0.0, 1.0]]
    """
    with one_blas_thread():
        eigenvalues, eigenvectors = np.linalg.eigh(correlation)
        order = np.argsort(eigenvalues)[::-1]
        eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]
        # The first entry within a relative 1e-6 of the largest: two rotated columns always
        # give the eigenvectors (1, 1) and (1, -1) over sqrt(2), whose entries are equal up to
        # rounding, and the last bit of the correlation (which moves with the order of its
        # sums, a memory-mapped X's chunks against an in-memory X) must not pick the sign.
        magnitude = np.abs(eigenvectors)
        largest = (magnitude >= (1 - 1e-6) * magnitude.max(axis=0)).argmax(axis=0)
        eigenvectors = eigenvectors * np.sign(eigenvectors[largest, np.arange(len(order))])
        return eigenvectors / np.sqrt(np.maximum(eigenvalues, floor))


def log_sd(W):
    """Log standard deviation of each whitened coordinate, in standardised units: the
    columns of W are unit eigenvectors divided by it, so ``-log|det W|`` is their sum.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._whitening import log_sd
    >>> W = np.array([[0.0, 2.0], [0.5, 0.0]])
    >>> np.exp(log_sd(W)).tolist(), float(np.exp(-log_sd(W).sum()))
    ([2.0, 0.5], 1.0)
    """
    return -np.log(np.linalg.norm(W, axis=0))


def unwhitened(U, W):
    """Standardised columns back from whitened coordinates U (the inverse of ``@ W``):
    ``W^-1 = diag(sd^2) W^T`` since W's columns are orthogonal with norms ``1 / sd``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._whitening import unwhitened, whitening_from_correlation
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> X = (X - X.mean(0)) / X.std(0)
    >>> W = whitening_from_correlation(X.T @ X / len(X))
    >>> bool(np.allclose(unwhitened(X @ W, W), X))
    True
    """
    return (U * np.exp(2 * log_sd(W))) @ W.T


class WhiteningMixin:
    """Whitening of an estimator's real-valued columns, between its per-column scaling and
    its model (see the module docstring). The estimator says whether it whitens through
    its method ``_whitens()``; ``whitening_`` and ``whitened_features_`` are None when it
    does not.

    Examples
    --------
    >>> from skvae import VAETransformer
    >>> from skvae._table._whitening import WhiteningMixin
    >>> issubclass(VAETransformer, WhiteningMixin)
    True
    """

    # Whether whiten="auto" whitens training rows with holes in the rotated columns (their
    # correlation by EM, the holes filled for training). VAEOutlierDetector does: it
    # whitens by default, and on benchmarks/anomaly_detection.py --holes whitening such
    # rows raised its average precision. The other estimators' "auto" keeps modelling the
    # holes in the columns' own coordinates, as before: for them it was not measured.
    _whitens_rows_with_holes = False

    def _whitening_candidates(self):
        """Positions of the modelled columns whose kind can be whitened."""
        return np.flatnonzero(np.isin(self._modelled_kinds(), WHITENED_KINDS))

    def _fit_whitening(self, X_data):
        """Set the whitening from the modelled training columns X_data (NaN where
        missing; ``mean_`` and ``scale_`` already fitted), if the estimator whitens."""
        self.whitening_, self.whitened_features_ = None, None
        if self._whitens():
            candidates = self._whitening_candidates()
            mean, scale = self.mean_[candidates], self.scale_[candidates]
            correlation, n_missing, n_values = correlation_statistics(
                [X_data[:, candidates]], mean, scale
            )
            auto = isinstance(self.whiten, str)
            modelled_holes = auto and self._whitens_rows_with_holes and np.any(n_missing)
            if modelled_holes:
                # The correlation from every row's observed entries; fit fills the holes
                # for training (skvae._vae._whitened_holes).
                S = (X_data[:, candidates] - mean) / scale
                correlation = em_correlation(S)
            self._set_whitening(
                candidates, correlation, n_missing, n_values, len(X_data), modelled_holes
            )

    def _fit_whitening_in_chunks(self, X, data_columns, chunked_correlation):
        """The same for a memory-mapped X, its ``data_columns`` modelled, read chunk by
        chunk by ``chunked_correlation`` (skvae._nn._streaming, which imports Keras; it
        feeds the chunks to :func:`correlation_statistics`)."""
        self.whitening_, self.whitened_features_ = None, None
        if self._whitens():
            candidates = self._whitening_candidates()
            mean, scale = self.mean_[candidates], self.scale_[candidates]
            statistics = chunked_correlation(X, data_columns[candidates], mean, scale)
            self._set_whitening(candidates, *statistics, len(X))

    def _set_whitening(
        self, candidates, correlation, n_missing, n_values, n_rows, modelled_holes=False
    ):
        """Set ``whitening_`` and ``whitened_features_`` from the correlation matrix of the
        standardised ``candidates`` columns over the training rows without holes in them,
        their numbers of missing and of distinct values and the number of training rows
        (computed in memory, or chunk by chunk for a memory map). ``modelled_holes``: the
        correlation is the EM estimate over every row, and fit fills the rotated columns'
        holes for training (whiten="auto" in memory); otherwise "auto" leaves columns
        with holes in their own coordinates.

        Only continuous columns with a spread of their own are rotated: a constant column
        keeps its borrowed scale (its standardised values are 0), a discrete one (see
        skvae._table._discrete, the rule by which ``sample()`` snaps a column to its seen
        values) its own values: its decoder density can then put its mass on those values,
        which a whitened axis, a blend of many columns, cannot (whitening all 64 pixels of
        load_digits cost 30 nats per row, the Poisson counts 3.5). "integer", 0/1 and
        categorical columns are never candidates.
        """
        discrete = is_discrete(n_values, n_rows - np.asarray(n_missing))
        rotated = (np.diag(correlation) > 0.25) & ~discrete
        if modelled_holes:
            # A column missing in most rows keeps its own coordinates, where its holes are
            # modelled: EM's estimate of its correlations, and the draws that fill it for
            # training, would rest on its few observed entries.
            rotated &= np.asarray(n_missing) <= MAX_ROTATED_MISSING_SHARE * n_rows
        holes = np.asarray(n_missing) > 0
        if not (rotated.any() or modelled_holes or isinstance(self.whiten, str)):
            # whiten=True and no training row complete in these columns: the correlation
            # over complete rows is empty (all 0), and nothing would be rotated silently.
            rotated = holes & ~discrete
        if np.count_nonzero(rotated) < 2:
            return
        holes &= rotated
        if holes.any() and not modelled_holes:
            if isinstance(self.whiten, str):
                return  # "auto": the holes are modelled in the columns' own coordinates
            shown = column_labels(self, self._column_schema.get("labels"))
            labels = shown[self._data_columns()[candidates[holes]]].tolist()
            raise ValueError(
                "whiten=True needs training rows with no missing value in the continuous "
                f"columns it rotates; got NaN in column(s) {labels}. Impute them first, or "
                "use whiten=False, which models the holes"
            )
        self.whitening_ = whitening_from_correlation(correlation[np.ix_(rotated, rotated)])
        self.whitened_features_ = candidates[rotated]

    def _whitened_precision(self):
        """The inverse of the (floored) correlation of the whitened columns, in standardised
        units: ``W W^T``, since ``W`` whitens it. The conditionals of their holes given a
        row's observed entries come from it (skvae._table._conditionals)."""
        return self.whitening_ @ self.whitening_.T

    def _rotated_columns(self):
        """(positions in coded X, mean, scale) of the whitened columns."""
        block = self.whitened_features_
        return self._data_columns()[block], self.mean_[block], self.scale_[block]

    def _whitened_log_scale(self, log_scale):
        """Per-column log-scales with the whitened columns' axes added: the layout subtracts
        them from the columns' terms, and their sum is then the log-Jacobian of the scaling
        and the whitening together, which puts the density in X's units."""
        log_scale = np.array(log_scale, dtype=np.float64)
        if self.whitening_ is not None:
            log_scale[self.whitened_features_] += log_sd(self.whitening_)
        return log_scale

    def _whitened(self, X_scaled, observed):
        """(standardised modelled columns with the whitened ones rotated, observed mask).

        A row with holes in the rotated columns has them filled by their conditional means
        given its observed rotated entries, under the correlation the whitening was fitted
        on, and counts as complete there: how ``transform`` and the posterior's
        diagnostics encode it (a model that whitened rows with holes was trained on them
        filled). Scores integrate over such holes instead, before they get here
        (skvae._vae._whitened_holes). whiten=True, whose tags refuse NaN (its fit cannot
        take it), refuses such rows here with a clear error. ``X_scaled`` is rotated in
        place (the caller's own array, built for this call); ``observed`` is copied before
        it changes."""
        if self.whitening_ is None:
            return X_scaled, observed
        block = self.whitened_features_
        holes = ~observed[:, block]
        if holes.any() and self.whiten is True:
            raise ValueError(
                "this model was fitted with whiten=True, which needs rows with no missing "
                "value in the columns it rotates (score_samples integrates over such holes); "
                f"got NaN in {np.count_nonzero(holes.any(axis=1))} row(s). Use "
                'whiten="auto", which encodes them with the holes at their conditional '
                "means, impute them first (VAEImputer), or fit with whiten=False"
            )
        if holes.any():
            rows = holes.any(axis=1)
            S = np.where(holes[rows], np.nan, X_scaled[np.ix_(rows, block)])
            X_scaled[np.ix_(rows, block)] = conditional_means(S, self._whitened_precision())
            observed = observed.copy()
            observed[:, block] = True
        X_scaled[:, block] = X_scaled[:, block] @ self.whitening_
        return X_scaled, observed

    def _unwhitened(self, X_scaled):
        """The inverse of :meth:`_whitened` on complete rows."""
        if self.whitening_ is None:
            return X_scaled
        X_scaled = X_scaled.copy()
        block = self.whitened_features_
        X_scaled[:, block] = unwhitened(X_scaled[:, block], self.whitening_)
        return X_scaled
