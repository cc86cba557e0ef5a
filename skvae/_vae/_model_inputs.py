"""``ModelInputsMixin``: a VAE estimator's coded rows in and out of the model's inputs.

The model reads rows [x encoded, c encoded, observed mask]: the modelled columns scaled or
one-hot encoded (:mod:`skvae._table._estimator_mixin`), the ``condition_on`` columns
encoded (:mod:`skvae._table._conditions`), and the mask of observed entries. This mixin
splits coded rows into modelled and condition columns, builds those inputs, checks the
conditions given for generation, and puts decoded columns back in X's column order.
"""

import warnings
from collections.abc import Mapping

import numpy as np

from skvae._nn._prediction import PREDICT_BATCH_ROWS, LazyModelInputs, predict_in_batches
from skvae._table._codes import condition_codes, is_frame
from skvae._table._column_keys import plain_value
from skvae._table._conditions import encode_conditions, warn_outside_training_range
from skvae._table._frames import frame_library, to_pandas
from skvae._table._labels import column_labels
from skvae._user_frame import user_stacklevel


class ModelInputsMixin:
    """Model inputs of a VAE estimator; the table hooks say which columns are modelled.

    Examples
    --------
    >>> from skvae import VAETransformer
    >>> from skvae._vae._model_inputs import ModelInputsMixin
    >>> issubclass(VAETransformer, ModelInputsMixin)
    True
    """

    # -- the table hooks (skvae._table._estimator_mixin): conditions are not modelled ----
    def _data_columns(self):
        return np.setdiff1d(np.arange(self.n_features_in_), self.condition_columns_)

    def _modelled_columns(self, X):
        return self._split_columns(X)[0]

    def _layout_mixture_components(self):
        return self.n_mixture_components

    def _split_columns(self, X):
        """(modelled columns, condition columns) of validated rows X; callers only read
        them."""
        if not len(self.condition_columns_):
            # No conditions, the usual case: X itself, not a copy (on 100,000 x 50 rows each
            # copy cost 17 ms, six of them a tenth of a second of every fit).
            return X, X[:, :0]
        data_columns = np.setdiff1d(np.arange(X.shape[1]), self.condition_columns_)
        return X[:, data_columns], X[:, self.condition_columns_]

    def _prediction_inputs(self, X):
        """Model inputs of validated rows X, built block by block as prediction reads them."""
        return LazyModelInputs(X, self._model_input)

    def _model_input(self, X, layout=None):
        """Model input rows [x encoded, c encoded, observed mask] (float32) for coded rows X.

        Continuous columns are standardised, categorical ones one-hot encoded. Missing
        entries of x become 0 (for a continuous column, its mean; for a categorical one, an
        all-zero block), which the encoder sees, and 0 in the mask (which removes them from
        the likelihood).
        """
        layout = self._model.layout if layout is None else layout
        X_data, C = self._split_columns(X)
        x, mask = self._encoded_rows(X_data, layout)
        return np.hstack([x, self._encode_conditions(C), mask])

    def _encode_conditions(self, C):
        # A frame's int or tuple labels name its columns (positions only for an array).
        labels = column_labels(self, getattr(self, "_column_schema", {}).get("labels"))
        if np.isnan(C).any():
            missing = self.condition_columns_[np.isnan(C).any(axis=0)]
            seen = [self.categories_[j] for j in missing if self.categories_[j] is not None]
            # handle_unknown="ignore" turned an unseen category into NaN: say so, or the
            # user looks for a missing value that is not in their data.
            unseen = (
                f"; with handle_unknown='ignore' a category not seen in fit is missing too, "
                f"and a condition takes only those fit saw ({[c.tolist() for c in seen]}): "
                "declare every category before fit, as a pandas CategoricalDtype"
                if seen and getattr(self, "handle_unknown", "error") == "ignore"
                else ""
            )
            raise ValueError(
                "condition_on columns must not have missing values; got NaN in column(s) "
                f"{labels[missing].tolist()}{unseen}"
            )
        named = hasattr(self, "feature_names_in_") or labels.dtype == object
        names = [labels[j] if named else f"column {j}" for j in self.condition_columns_]
        # A categorical column's codes index its categories: messages show those instead.
        categories = [self.categories_[j] for j in self.condition_columns_]
        return encode_conditions(
            C,
            self.condition_categories_,
            self._condition_mean,
            self._condition_scale,
            names,
            categories,
        )

    def _check_conditions(self, conditions, n_rows):
        """Raw condition values, shape (n_rows, n_condition_columns), for generation."""
        n_conditions = len(self.condition_columns_)
        if n_conditions == 0:
            if conditions is not None:
                given = "a dict" if isinstance(conditions, Mapping) else "an array or frame"
                raise ValueError(
                    f"conditions were given as {given}, but this model was fitted without "
                    "condition_on, so only sample() takes conditions, as a dict: "
                    "sample(n, conditions={column: value, ...}) draws rows with those values"
                )
            return np.zeros((n_rows, 0))
        if isinstance(conditions, Mapping):
            raise ValueError(
                "conditions as a dict of column values are for sample() on models without "
                f"condition_on; this model is conditioned on {self.condition_on!r}: pass the "
                "values of those columns as an array, conditions=[...]"
            )
        if conditions is None:
            raise ValueError(
                f"this model is conditioned on {n_conditions} column(s) (condition_on="
                f"{self.condition_on!r}): pass conditions=, one value per condition column "
                "or one row of values per generated row"
            )
        C = np.asarray(self._conditions_by_name(conditions), dtype=object)
        if C.shape in ((n_conditions,), (1, n_conditions)):  # one row of values for all
            C = np.broadcast_to(C, (n_rows, n_conditions))
        if C.shape != (n_rows, n_conditions):
            raise ValueError(
                f"conditions must have shape ({n_conditions},) or ({n_rows}, "
                f"{n_conditions}), one value per condition column {self.condition_on!r}; "
                f"got shape {np.shape(conditions)}"
            )
        # Categories (strings, say) become their codes, as in the training rows.
        columns = self.condition_columns_
        C = condition_codes(
            C,
            [self._column_names()[j] for j in columns],
            [self.column_kinds_[j] for j in columns],
            [self.categories_[j] for j in columns],
        )
        if not np.all(np.isfinite(C)):
            raise ValueError(
                f"conditions must be finite numbers or known categories; got non-finite or "
                f"missing values in {conditions!r}"
            )
        self._warn_unseen_categories(C)
        self._warn_outside_condition_range(C)
        return C

    def _conditions_by_name(self, conditions):
        """A frame of conditions (pandas, polars, pyarrow) labelled by the condition
        columns, in any order, with its columns in condition_on's order; a pandas Series
        labelled so, as one row in that order. Other input (an array; a frame whose
        columns are unnamed positions 0, 1, ...) is read by position. A frame's columns
        were read by position: {"b": ..., "a": ...} swapped the two."""
        if frame_library(conditions) is not None:
            conditions = to_pandas(conditions)
        wanted = list(column_labels(self, self._column_schema.get("labels")))
        wanted = [wanted[j] for j in self.condition_columns_]
        keys = [str(label) for label in wanted]
        if is_frame(conditions):
            given = [str(label) for label in conditions.columns]
            if given == keys:
                return conditions
            if sorted(given) == sorted(keys) and len(set(given)) == len(given):
                return conditions[[conditions.columns[given.index(key)] for key in keys]]
            if list(conditions.columns) == list(range(conditions.shape[1])):
                return conditions  # unnamed columns, as pd.DataFrame(array) has
            raise ValueError(
                f"conditions' columns {list(conditions.columns)} are not the condition "
                f"columns {wanted}: name each of them once (any order), or pass an array "
                "in their order"
            )
        index = conditions.index if hasattr(conditions, "iloc") else None  # a Series
        if index is not None and sorted(str(i) for i in index) == sorted(keys):
            return [conditions.iloc[[str(i) for i in index].index(key)] for key in keys]
        return conditions

    def _warn_unseen_categories(self, C):
        """Warn where coded conditions C give a categorical condition column a category
        that no training row had (one its pandas dtype declares): it is encoded, as it is
        in the rows of a later partial_fit call, but the networks have learned nothing
        about it, so what is generated under it shows no data."""
        fitted = getattr(self, "_training_conditions", None)  # (distinct rows, counts)
        if fitted is None:  # a memory-mapped fit, or one saved by an earlier skvae
            return
        for k, j in enumerate(self.condition_columns_):
            if self.categories_[j] is None:
                continue
            # Codes the encoding has no place for are the encoding's error, not this one.
            unseen = np.setdiff1d(
                C[:, k][np.isin(C[:, k], self.condition_categories_[k])], fitted[0][:, k]
            )
            if len(unseen):
                label = plain_value(self.categories_[j][int(unseen[0])])
                warnings.warn(
                    f"conditions give column {self._column_names()[j]!r} the category "
                    f"{label!r}, which its dtype declares but no training row had: the model "
                    "has learned nothing about it, so the rows generated under it follow no "
                    "data. Fit (or partial_fit) on rows of that category first.",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )

    def _warn_outside_condition_range(self, C):
        """Warn where coded conditions C give a standardised (many-valued numeric)
        condition column a value beyond its training range, as sample(conditions={...})
        does for a column's value: the networks have seen no such rows, and what they
        generate there is extrapolation (penguins conditioned on a body mass of 20,000 g
        were drawn without a word)."""
        fitted = getattr(self, "_training_conditions", None)  # (distinct rows, counts)
        if fitted is None:  # a memory-mapped fit, or one saved by an earlier skvae
            return
        outside = []
        for k, j in enumerate(self.condition_columns_):
            if self.condition_categories_[k] is not None:  # one-hot: unseen is an error
                continue
            low, high = fitted[0][:, k].min(), fitted[0][:, k].max()
            beyond = C[:, k][(C[:, k] < low) | (C[:, k] > high)]
            if beyond.size:
                name = self._column_names()[j]
                outside.append(f"{name!r} = {beyond[0]:g} (training range {low:g} to {high:g})")
        warn_outside_training_range(outside, "what it generates for them is extrapolation")

    def _decode(self, Z, C, params=False):
        """Decoder outputs for latent rows Z under coded conditions C, float64.

        E[x | z, c] in the encoded coding, or (``params``) the raw parameters of p(x|z, c).
        """
        width = Z.shape[1]  # n_components, or wider with a hierarchy's lower-layer noise
        inputs = np.hstack([Z.astype(np.float32), self._encode_conditions(C)])
        return predict_in_batches(
            self._model.decode_rows,
            inputs,
            PREDICT_BATCH_ROWS,
            width,
            params,
            progress=self.verbose >= 1,
        ).astype(np.float64)

    def _assemble_codes(self, X_data_scaled, C):
        """Coded rows in X's column order: modelled columns unscaled, then conditions."""
        rows = np.empty((len(X_data_scaled), self.n_features_in_))
        rows[:, self._data_columns()] = self._unscaled(X_data_scaled)
        rows[:, self.condition_columns_] = C
        return rows
