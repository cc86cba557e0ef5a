"""``TableEstimatorMixin``: the user's table in and out of an estimator's model coding.

Shared by every estimator that models the columns of a table (:class:`BaseVAE` and
:class:`VQVAETransformer`): validating a DataFrame or an array into coded rows (see
:mod:`skvae._table._codes`), fixing the column kinds and categories at fit time, scaling the
continuous columns, building the per-column likelihood layout
(:class:`skvae._nn._layout.ColumnLayout`), encoding coded rows into model inputs (one-hot
blocks for categorical columns) and turning model outputs back into the user's table.

The estimator provides the parameters ``likelihood``, ``column_types``, ``handle_unknown``
and ``var_floor``; the hooks below (``_data_columns``, ``_modelled_columns``,
``_layout_mixture_components``, ``_missing_values_allowed``, ``_supported_kinds``) say which
columns it models and what it accepts.
"""

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skvae._nn._lazy import import_keras_module
from skvae._table._codes import (
    CONTINUOUS_KINDS,
    KINDS,
    category_counts,
    check_array_rows,
    fit_columns,
    from_codes,
    is_frame,
    needs_decoding,
    to_codes,
)
from skvae._table._column_keys import column_names
from skvae._table._constant_columns import ConstantColumnsMixin
from skvae._table._frames import (
    check_fitted_labels,
    check_unique_labels,
    enum_columns,
    float_dtype_of,
    frame_library,
    from_pandas,
    integer_column_labels,
    to_pandas,
)
from skvae._table._labels import column_labels
from skvae._table._scaling import check_observed, fit_column_scaling
from skvae._table._whitening import WhiteningMixin

# Bound on standardised inputs: (1e12)**2 / var_floor stays far below float32's maximum.
MAX_SCALED_VALUE = 1e12
# An array X is validated to these dtypes and to C order, a Fortran-ordered one copied
# (df.to_numpy() of an all-float frame often is one): column sums round by layout, and the
# fitted model must not depend on how the user's array is laid out.
ARRAY_DTYPES = (np.float64, np.float32)

# Constraints of the table parameters, for the estimators' _parameter_constraints.
TABLE_PARAMETER_CONSTRAINTS = {
    "column_types": [dict, None],
    "handle_unknown": [StrOptions({"error", "ignore"})],
}

HANDLE_UNKNOWN_DOC = """    handle_unknown : {"error", "ignore"}, default="error"
        What to do with a category that was not seen in fit, in ``transform``,
        ``score_samples`` and the like: raise a ``ValueError``, or treat it as a missing
        value (the row is then encoded and scored on its other columns). Such a row's
        ``score_samples`` is the density of its other columns alone, with no probability
        for the category, so it is usually higher than that of any seen category: do not
        rank rows with unseen categories by score (for anomaly detection keep
        ``"error"``, or flag them yourself).
"""


def column_types_doc(kinds):
    """The numpydoc entry of the ``column_types`` parameter, for an estimator that supports
    the column kinds ``kinds`` (among them "categorical")."""
    listed = ", ".join(f'"{kind}"' for kind in kinds if kind != "categorical")
    return f"""    column_types : dict or None, default=None
        Likelihood of individual columns, overriding ``likelihood`` and the kinds inferred
        from a DataFrame's dtypes: ``{{column: kind}}`` with the column's name (or integer
        position) and a kind among {listed}
        and "categorical" (a softmax over the values seen in fit). The fitted kinds are
        in ``column_kinds_``.
"""


def scaled_integer_bounds(schema, kinds, mean, scale):
    """Each modelled column's training range [low, high] in scaled units for the
    "integer" kind, which censors its probabilities there (skvae._nn.observations), and
    [-inf, inf] for the other columns; ``schema`` holds the modelled columns' entries.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._estimator_mixin import scaled_integer_bounds
    >>> schema = [{"low": 0.0, "high": 8.0}, {"dtype": "float64"}]
    >>> scaled_integer_bounds(schema, ["integer", "student_t"], [2.0, 0.0], [2.0, 1.0])
    array([[ -1.,   3.],
           [-inf,  inf]])
    """
    bounds = np.tile([-np.inf, np.inf], (len(kinds), 1))
    for i, (entry, kind) in enumerate(zip(schema, kinds, strict=True)):
        if kind == "integer" and "low" in entry:
            bounds[i] = (np.array([entry["low"], entry["high"]]) - mean[i]) / scale[i]
    return bounds


class TableEstimatorMixin(ConstantColumnsMixin, WhiteningMixin):
    """Table handling of an estimator whose model works on coded, encoded rows.

    Coded rows (float64, one column per input column: numbers, 0/1, category indices,
    NaN for missing) are what validation returns; encoded rows (float32 by default: the
    continuous columns standardised, categorical ones one-hot) are what the model reads.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skvae import VAETransformer
    >>> from skvae._table._estimator_mixin import TableEstimatorMixin
    >>> issubclass(VAETransformer, TableEstimatorMixin)
    True
    >>> frame = pd.DataFrame({"x": np.arange(40.0), "c": pd.Categorical(["a", "b"] * 20)})
    >>> vae = VAETransformer(n_components=1, max_iter=2, random_state=0).fit(frame)
    >>> vae.column_kinds_.tolist(), vae.categories_[1].tolist()
    (['student_t', 'categorical'], ['a', 'b'])
    >>> rows = vae._validate_rows(pd.DataFrame({"x": [0.0, 1.0], "c": [None, "b"]}))
    >>> rows  # coded: numbers, category indices, NaN for missing
    array([[ 0., nan],
           [ 1.,  1.]])
    >>> x, mask = vae._encoded_rows(rows, vae._build_layout())
    >>> x.round(3)  # x standardised, c one-hot (all zero when missing)
    array([[-1.689,  0.   ,  0.   ],
           [-1.603,  0.   ,  1.   ]], dtype=float32)
    >>> mask
    array([[1., 0., 0.],
           [1., 1., 1.]], dtype=float32)
    """

    # Whether NaN (a missing value) is accepted in X; if not, it is scikit-learn's error.
    _missing_values_allowed = True
    # Column kinds the estimator's model supports (skvae._table._codes.KINDS).
    _supported_kinds = KINDS
    # Kind of a DataFrame's integer-dtype columns; None keeps them at ``likelihood``.
    _integer_dtype_kind = "integer"

    # -- hooks ------------------------------------------------------------------------
    def _data_columns(self):
        """Indices of the modelled columns of X (all of them by default)."""
        return np.arange(self.n_features_in_)

    def _modelled_columns(self, X):
        """The modelled columns of coded rows X (all of them by default)."""
        return X

    def _layout_mixture_components(self):
        """Gaussian components per "mixture" column of the layout."""
        return 1

    # -- validation ---------------------------------------------------------------------
    def _validate_table(self, X, reset):
        """Validated rows of X as a float matrix in the model's coding (see skvae._table._codes).

        A DataFrame may mix numeric, boolean and categorical columns; at fit time
        (``reset``) the column kinds, categories and dtypes are fixed. Where missing
        values are allowed, NaN marks one (the likelihood skips it); inf is an error.
        Otherwise NaN is scikit-learn's usual error, and an unknown category with
        ``handle_unknown="ignore"`` is the only NaN of the result. A polars DataFrame or
        a pyarrow Table is read through pandas (see :mod:`skvae._table._frames`).
        """
        library = frame_library(X)
        # Read only when fitting: the fitted schema keeps them for the outputs.
        enums = enum_columns(X) if reset and library == "polars" else []
        if library is not None:
            X = to_pandas(X)
        finite = "allow-nan" if self._missing_values_allowed else True
        if not is_frame(X):
            check_array_rows(X, not reset and self._column_schema["as_frame"])
            X = validate_data(
                self, X, dtype=ARRAY_DTYPES, order="C", reset=reset, ensure_all_finite=finite
            )
            if reset:
                self._fit_columns(X, as_frame=False)
            if "categorical" not in self.column_kinds_:
                return X
            return to_codes(
                X, self._column_names(), self.column_kinds_, self.categories_, self.handle_unknown
            ).astype(X.dtype)
        check_unique_labels(X)
        if not reset:  # ints, tuples: scikit-learn checks string feature names only
            check_fitted_labels(X, self._column_schema.get("labels"))
        validate_data(self, X, reset=reset, skip_check_array=True)  # names, n_features_in_
        if 0 in X.shape:  # scikit-learn's own message for an empty table
            check_array(np.empty(X.shape), estimator=self)
        if reset:
            self._fit_columns(X, as_frame=True)
            # Generated and decoded frames come back in the fitted frame's library.
            self._column_schema["library"] = library
            self._column_schema["enums"] = enums
        codes = to_codes(
            X, self._column_names(), self.column_kinds_, self.categories_, self.handle_unknown
        ).astype(float_dtype_of(X), copy=False)  # a float32 frame stays float32, as arrays do
        if self._missing_values_allowed:
            return check_array(codes, ensure_all_finite="allow-nan", estimator=self)
        # NaN here is a missing value or an ignored unknown category: only the first is
        # an error (scikit-learn's, for the missing entries' positions).
        missing = np.asarray(X.isna(), dtype=bool)
        check_array(
            np.where(missing | ~np.isnan(codes), codes, 0.0), estimator=self, input_name="X"
        )
        return codes

    def _validate_rows(self, X):
        """Coded rows of X for a fitted estimator, with its likelihoods' support checked."""
        check_is_fitted(self)
        X = self._validate_table(X, reset=False)
        self._check_likelihood_support(self._modelled_columns(X), fitted=True)
        return X

    def _fit_columns(self, X, as_frame):
        labels = integer_column_labels(X) if as_frame else None  # ints, tuples: the names
        self._column_schema = {"as_frame": as_frame, "labels": labels}
        kinds, self.categories_, schema = fit_columns(
            X, self._column_names(), self.likelihood, self.column_types, self._integer_dtype_kind
        )
        unsupported = [
            (name, kind)
            for name, kind in zip(self._column_names(), kinds, strict=True)
            if kind not in self._supported_kinds
        ]
        if unsupported:
            name, kind = unsupported[0]
            raise ValueError(
                f"column {name!r} has kind {kind!r}, which {type(self).__name__} does not "
                f"support; choose one of {list(self._supported_kinds)} in column_types"
            )
        self.column_kinds_ = np.asarray(kinds, dtype=object)
        self._column_schema["columns"] = schema
        # Set by the scaling of in-memory rows; none from a memory map's first chunk.
        self._integer_bounds = None

    def _column_names(self):
        labels = getattr(self, "_column_schema", {}).get("labels")
        return column_names(self.n_features_in_, getattr(self, "feature_names_in_", None), labels)

    def _modelled_kinds(self):
        return [str(k) for k in self.column_kinds_[self._data_columns()]]

    def _check_likelihood_support(self, X, fitted=False):
        """Bernoulli columns of the modelled coded rows X must lie in [0, 1], integer ones
        hold whole numbers; ``fitted``: X is new rows for a fitted model (a kind is then
        changed by refitting)."""
        kinds = np.asarray(self._modelled_kinds())
        names = np.asarray(self._column_names())[self._data_columns()]
        refuse_fractional(X[:, kinds == "integer"], names[kinds == "integer"], fitted)
        bernoulli = kinds == "bernoulli"
        if not bernoulli.any() or np.isnan(X[:, bernoulli]).all():
            return
        low, high = np.nanmin(X[:, bernoulli]), np.nanmax(X[:, bernoulli])
        if low < 0 or high > 1:
            if self.likelihood == "bernoulli" and bernoulli.all():
                remedy = "Refit with" if fitted else "Use"
                raise ValueError(
                    'likelihood="bernoulli" needs X in [0, 1]; got values from '
                    f'{low:g} to {high:g}. {remedy} likelihood="gaussian" or rescale X.'
                )
            remedy = "Rescale them, or refit with" if fitted else "Give them"
            raise ValueError(
                f"Bernoulli columns {names[bernoulli].tolist()} need values in [0, 1]; got "
                f"values from {low:g} to {high:g}. {remedy} another kind in column_types."
            )

    # -- the model's coding ---------------------------------------------------------------
    def _check_training_columns(self, X_data):
        """Each modelled column of all the training rows X_data (before any subset, such as
        the detector's trimmed refit) is observed somewhere and in its kind's support."""
        # A pandas Categorical of NaN still declares its categories: nothing to learn from.
        labels = column_labels(self, self._column_schema.get("labels"))
        check_observed(np.isnan(X_data).all(axis=0), labels[self._data_columns()])
        self._check_likelihood_support(X_data)

    def _fit_scaling(self, X_data):
        """Set ``mean_`` and ``scale_`` from the modelled coded rows X_data: only continuous
        columns are standardised; 0/1 and category codes stay as they are."""
        continuous = np.isin(self._modelled_kinds(), CONTINUOUS_KINDS)
        names = column_labels(self, self._column_schema.get("labels"))[self._data_columns()]
        self.mean_, self.scale_ = fit_column_scaling(X_data, continuous, names)
        self._fit_constants(X_data, continuous)
        self._fit_whitening(X_data)
        self._integer_floor_in_units = True
        self._integer_bounds = scaled_integer_bounds(
            [self._column_schema["columns"][j] for j in self._data_columns()],
            self._modelled_kinds(),
            self.mean_,
            self.scale_,
        )

    def _build_layout(self):
        """The per-column likelihood layout of the modelled columns (skvae._nn._layout)."""
        # Keras is imported here, on first use, with global random state preserved.
        ColumnLayout = import_keras_module("skvae._nn._layout").ColumnLayout
        return ColumnLayout(
            self._modelled_kinds(),
            category_counts(self.categories_, self._data_columns()),
            self._layout_mixture_components(),
            self._whitened_log_scale(np.log(self.scale_)),
            self.var_floor,
            # None and False for a model fitted before integer columns were censored, or
            # before their scale floor was in X's units: as it was.
            getattr(self, "_integer_bounds", None),
            getattr(self, "_integer_floor_in_units", False),
        )

    def _encoded_rows(self, X_data, layout, dtype=np.float32):
        """(encoded rows, observed mask) of the modelled coded rows X_data, in ``dtype``.

        Continuous columns are standardised, categorical ones one-hot encoded. Missing
        entries become 0 (for a continuous column, its mean; for a categorical one, an
        all-zero block) and 0 in the mask.
        """
        observed = ~np.isnan(X_data)
        # Clipped so that float32 arithmetic stays finite for rows far outside the training
        # range: such rows still get hugely negative scores, never -inf or NaN.
        X_scaled = np.where(observed, (X_data - self.mean_) / self.scale_, 0.0)
        X_scaled, observed = self._whitened(X_scaled, observed)
        X_scaled = np.clip(X_scaled, -MAX_SCALED_VALUE, MAX_SCALED_VALUE)
        return layout.encode_rows(X_scaled, observed, dtype=dtype)

    def _unscaled(self, X_data_scaled):
        """Modelled columns in scaled units (one value per column) back to X's units."""
        return self._pinned(self._unwhitened(X_data_scaled) * self.scale_ + self.mean_)

    def _to_output(self, codes, observed=None):
        """Coded rows as the user's table: a DataFrame with the training frame's columns,
        dtypes and categories when fitted on one, else an array in the training dtype
        (``observed``: the entries that are the user's values, see ``from_codes``)."""
        schema = self._column_schema
        if not needs_decoding(self.column_kinds_, schema):
            return codes.astype(self._fit_dtype)
        out = from_codes(
            codes,
            self._column_names(),
            self.column_kinds_,
            self.categories_,
            schema["columns"],
            schema["as_frame"],
            observed,
        )
        if not schema["as_frame"]:
            return out.astype(self._fit_dtype)
        out.columns = schema.get("labels") or out.columns
        library = schema.get("library")  # None: pandas (and every state from before)
        if library is None:
            return out
        return from_pandas(out, library, schema.get("enums", ()))


def refuse_fractional(values, names, fitted=False):
    """Raise for a value that is not a whole number in columns of kind "integer".

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_columns)
        The integer columns' coded values (NaN where missing).
    names : sequence of str
        Their names.
    fitted : bool, default=False
        The rows are new rows for a fitted model, whose kinds change only by refitting.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae._table._estimator_mixin import refuse_fractional
    >>> refuse_fractional(np.array([[1.0], [np.nan]]), ["n"])   # whole numbers pass
    >>> refuse_fractional(np.array([[5.3]]), ["n"], fitted=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: column 'n' was fitted with kind 'integer' (a probability per whole number) ...
    """
    fractional = np.isfinite(values) & (values != np.round(values))
    if fractional.any():
        row, column = np.argwhere(fractional)[0]
        name = str(names[column])
        has = "was fitted with" if fitted else "has"
        remedy = "refit with" if fitted else "give it"
        raise ValueError(
            f"column {name!r} {has} kind 'integer' (a probability per whole number) but "
            f"holds {values[row, column]:g}; round it, or {remedy} a continuous kind such "
            f"as column_types={{{name!r}: 'student_t'}}"
        )
