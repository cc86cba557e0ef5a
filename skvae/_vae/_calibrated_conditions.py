"""Conditions under the training marginals: where a given value sits in the model.

``sample(conditions=...)`` with ``marginals="auto"`` draws from the calibrated generator,
the model whose numeric columns go through the quantile map T of
``skvae._vae._marginals``. Given a numeric value v, that generator's rows are the model's
rows given the model value T^-1(v), mapped by T. Where T gives v for a whole interval of
model values (a value that repeats: a rating, a 0/1 flag stored as floats, a whole
number), v has a probability, not a density, under the model: each latent draw is then
kept by whether a draw of x from it gives v (an unbiased estimate of the interval's
probability). Conditioning on the interval's middle instead gave ratings of 3 rows 0.74
times as spread as the unconditional rows that hold a 3.
"""

import numpy as np

from skvae._vae._exact_density import observation_log_var
from skvae._vae._marginals import calibrate_marginals, uncalibrate_values


class CalibratedConditionsMixin:
    """Given values in the model's own coordinates, for ValueConditionsMixin.

    Examples
    --------
    >>> from skvae import VAETransformer
    >>> from skvae._vae._calibrated_conditions import CalibratedConditionsMixin
    >>> issubclass(VAETransformer, CalibratedConditionsMixin)
    True
    """

    def _model_space_row(self, row, given, sorted_reference):
        """The coded row with its given numeric values where the model draws them, and
        the positions of the given atoms (see uncalibrate_values), NaN in that row.

        Under the training marginals a value v is the model's T^-1(v), T the quantile map
        of unconditional draws (skvae._vae._marginals), so the rows are those of the
        calibrated model given v. An atom v comes from an interval of model values: its
        column is left out of the model's inputs, and draws are kept by whether they
        give v (_hits_atoms). Without the map (None) the row is as it is."""
        if sorted_reference is None:
            return row, []
        columns = self._numeric_code_columns()
        values = np.where(np.isin(columns, given), row[0, columns], np.nan)
        mapped = row.copy()  # the columns not given stay NaN
        uncalibrated, atoms = uncalibrate_values(values, sorted_reference, self._marginal_quantiles)
        integer = np.asarray(self.column_kinds_[columns] == "integer")
        # An integer column's model draws are whole numbers: T^-1(v) is taken as one.
        mapped[0, columns] = np.where(integer, np.round(uncalibrated), uncalibrated)
        mapped[0, columns[atoms]] = np.nan
        return mapped, columns[atoms]

    def _hits_atoms(self, params, row, atoms, sorted_reference, rng):
        """Whether each draw's x ~ p(x | its decoder outputs ``params``), mapped by T,
        holds the given atoms of ``row`` (columns ``atoms``; a value outside the training
        range as its nearest end): an unbiased estimate of the probability that the draw
        gives them."""
        codes = self._assemble_codes(
            self._model.layout.sample_columns(params, observation_log_var(self._model), rng),
            np.zeros((len(params), 0)),
        )
        numeric = self._numeric_code_columns().tolist()
        ks = [numeric.index(j) for j in atoms]
        stored = self._marginal_quantiles
        marginals = {"quantiles": stored["quantiles"][:, ks], "discrete": stored["discrete"][ks]}
        mapped = calibrate_marginals(codes[:, atoms], sorted_reference[:, ks], marginals)
        # A value outside the training range stands for the nearest end of it.
        wanted = np.clip(row[0, atoms], marginals["quantiles"][0], marginals["quantiles"][-1])
        return np.all(mapped == wanted, axis=1)
