"""Missing values: masked likelihoods (log p(x_observed)) and VAEImputer."""

import pickle
import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.datasets import load_wine
from sklearn.decomposition import FactorAnalysis
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from synthetic_data import LINEAR_VAE_PARAMS, ppca_data

from skvae import PosteriorCollapseWarning, VAEImputer, VAEOutlierDetector, VAETransformer
from skvae._vae._factor_start import factor_analysis_start
from skvae._vae._missing_factor_analysis import factor_analysis_with_missing


@pytest.fixture(scope="module")
def linear_vae_and_fa():
    X = ppca_data(2500)
    X_train, X_test = X[:2000], X[2000:]
    vae = VAETransformer(**LINEAR_VAE_PARAMS, n_importance_samples=500).fit(X_train)
    return vae, FactorAnalysis(3).fit(X_train), X_test


def test_score_of_incomplete_rows_is_the_marginal_of_the_observed_entries(linear_vae_and_fa):
    """With 30% of entries missing, score_samples matches FA's exact marginal log-density."""
    vae, fa, X_test = linear_vae_and_fa
    X_missing = X_test.copy()
    X_missing[np.random.default_rng(1).uniform(size=X_test.shape) < 0.3] = np.nan
    covariance = fa.get_covariance()
    exact = []
    for row in X_missing:
        seen = ~np.isnan(row)
        exact.append(
            multivariate_normal(fa.mean_[seen], covariance[np.ix_(seen, seen)]).logpdf(row[seen])
            if seen.any()
            else 0.0
        )
    scores = vae.score_samples(X_missing)
    assert np.all(np.isfinite(scores))
    # An importance-sampled lower bound: measured -9.135 vs the exact -9.054 nats here
    # (a zero-imputing encoder without the refinement passes was 0.57 nats below).
    assert np.mean(exact) - 0.15 < np.mean(scores) < np.mean(exact) + 0.02
    # A row with nothing observed has log p(empty) = 0; complete rows are unaffected.
    empty = np.full((1, 10), np.nan)
    assert vae.score_samples(empty)[0] == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_array_equal(
        vae.score_samples(X_test[:5]), vae.score_samples(X_test[:5].copy())
    )


def test_fit_on_incomplete_rows_learns_the_model():
    """Training with 20% of entries missing gives finite scores within 0.15 nats of FA's
    fitted on the complete rows."""
    X = ppca_data(2500)
    X_train, X_test = X[:2000].copy(), X[2000:]
    X_train[np.random.default_rng(2).uniform(size=X_train.shape) < 0.2] = np.nan
    vae = VAETransformer(**LINEAR_VAE_PARAMS).fit(X_train)
    fa_complete = FactorAnalysis(3).fit(X[:2000]).score(X_test)
    assert np.all(np.isfinite(vae.score_samples(X_test)))
    # Measured -12.05 against FA's -12.01 fitted on the complete rows (-12.26 before the
    # fit started from factor analysis's EM solution and kept its decoder).
    assert vae.score(X_test) > fa_complete - 0.15
    assert np.all(np.isfinite(vae.transform(X_train)))


@pytest.mark.slow  # benchmarks/imputation.py makes the same comparison on more tables
def test_imputer_beats_mean_and_knn_and_matches_iterative_imputation():
    """On wine with 20% MCAR cells, VAEImputer (defaults, as in benchmarks/imputation.py)
    beats mean and nearest-neighbour imputation clearly and is level with IterativeImputer.
    """
    X = load_wine().data
    X_missing = X.copy()
    mask = np.random.default_rng(0).uniform(size=X.shape) < 0.2
    X_missing[mask] = np.nan
    scale = X.std(axis=0)

    def rmse(filled):
        return np.sqrt(np.mean(((filled - X) / scale)[mask] ** 2))

    imputer = VAEImputer(random_state=0)
    filled = imputer.fit_transform(X_missing)
    np.testing.assert_array_equal(filled[~mask], X[~mask])
    assert not np.isnan(filled).any()
    vae = rmse(filled)
    mean = rmse(SimpleImputer().fit_transform(X_missing))
    knn = rmse(KNNImputer().fit_transform(X_missing))
    iterative = rmse(IterativeImputer(max_iter=20, random_state=0).fit_transform(X_missing))
    # Measured: VAE 0.718 (3 latent mixture components; 0.759 with one Gaussian, the fit
    # from EM alone; 0.760 when the whole VAE trained for 500 epochs from random weights),
    # mean 1.036, KNN 0.942, IterativeImputer 0.769.
    assert vae < 0.85 * mean, (vae, mean)
    assert vae < knn - 0.1, (vae, knn)
    assert vae < iterative + 0.02, (vae, iterative)


def test_auto_n_components_gives_one_dimension_per_modelled_column():
    """n_components="auto" (the imputer's default) resolves to the number of modelled
    columns, at most 64, in n_components_, and warns of no collapse: the unused
    dimensions are expected to switch off."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5)) @ rng.normal(size=(5, 70))
    X[::3, 2] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error", PosteriorCollapseWarning)
        imputer = VAEImputer(max_iter=2, random_state=0).fit(X[:, :6])
    assert imputer.n_components == "auto"
    assert imputer.n_components_ == 6
    assert imputer.kl_per_dimension_.shape == (6,)
    wide = VAEImputer(max_iter=1, random_state=0).fit(X)
    assert wide.n_components_ == 64
    # Condition columns are not modelled: they do not count.
    transformer = VAETransformer(n_components="auto", condition_on=[0], max_iter=1)
    transformer.fit(np.nan_to_num(X[:, :6]))
    assert transformer.n_components_ == 5
    assert transformer.transform(np.nan_to_num(X[:3, :6])).shape == (3, 5)


def test_sqrt_n_components_is_the_transformers_default_and_counts_modelled_columns():
    """VAETransformer's default n_components="sqrt" resolves to ceil(sqrt(p)) for p
    modelled columns (condition columns left out), also for perfect squares and one
    column, and is stored unmodified."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 10))
    vae = VAETransformer(max_iter=1, random_state=0).fit(X)
    assert vae.n_components == "sqrt"
    assert vae.n_components_ == 4  # ceil(sqrt(10))
    assert vae.transform(X[:3]).shape == (3, 4)
    assert vae.kl_per_dimension_.shape == (4,)
    # Condition columns are not modelled: nine columns give exactly 3.
    conditioned = VAETransformer(condition_on=[0], max_iter=1, random_state=0).fit(X)
    assert conditioned.n_components_ == 3
    resolved = [VAETransformer()._n_components_for(p) for p in (1, 2, 4, 5, 16, 17, 5000)]
    assert resolved == [1, 2, 2, 3, 4, 5, 64]


def test_linear_gaussian_conditional_mean_is_gaussian_conditioning():
    """conditional_mean equals the textbook formula mu_m + S_mo S_oo^-1 (x_o - mu_o)."""
    from skvae._vae._linear_gaussian import conditional_mean

    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 7))
    noise_var = rng.uniform(0.1, 1.0, size=7)
    intercept = rng.normal(size=(50, 7))  # one per row, as with conditions
    covariance = W.T @ W + np.diag(noise_var)
    X = intercept + rng.multivariate_normal(np.zeros(7), covariance, size=50)
    X[rng.uniform(size=X.shape) < 0.4] = np.nan
    X[0] = np.nan  # a row with nothing observed gets the intercept
    filled = conditional_mean(X, intercept, W, noise_var)
    for row, mu, result in zip(X, intercept, filled, strict=True):
        o, m = ~np.isnan(row), np.isnan(row)
        expected = row.copy()
        if o.any():
            gain = covariance[np.ix_(m, o)] @ np.linalg.inv(covariance[np.ix_(o, o)])
            expected[m] = mu[m] + gain @ (row[o] - mu[o])
        else:
            expected[m] = mu[m]
        np.testing.assert_allclose(result, expected, rtol=1e-9, atol=1e-9)


def test_linear_gaussian_draws_have_the_conditional_mean_and_covariance():
    """conditional_draw samples N(mu_m + S_mo S_oo^-1 (x_o - mu_o), S_mm - S_mo S_oo^-1 S_om):
    over 40000 draws of one row, the mean and covariance of the missing entries match."""
    from skvae._vae._linear_gaussian import conditional_draw

    rng = np.random.default_rng(1)
    W = rng.normal(size=(2, 5))
    noise_var = rng.uniform(0.1, 1.0, size=5)
    mu = rng.normal(size=5)
    covariance = W.T @ W + np.diag(noise_var)
    row = np.array([0.5, np.nan, -1.0, np.nan, 2.0])
    o, m = ~np.isnan(row), np.isnan(row)
    gain = covariance[np.ix_(m, o)] @ np.linalg.inv(covariance[np.ix_(o, o)])
    mean = mu[m] + gain @ (row[o] - mu[o])
    cov = covariance[np.ix_(m, m)] - gain @ covariance[np.ix_(o, m)]
    draws = conditional_draw(np.tile(row, (40000, 1)), mu, W, noise_var, np.random.RandomState(0))
    np.testing.assert_array_equal(draws[:, o], np.tile(row[o], (40000, 1)))
    np.testing.assert_allclose(draws[:, m].mean(axis=0), mean, atol=0.03)
    np.testing.assert_allclose(np.cov(draws[:, m], rowvar=False), cov, atol=0.04)


def test_linear_imputer_fills_with_the_models_exact_conditional_mean():
    """A linear-Gaussian VAEImputer fills holes with E[x_m | x_o] of its own FA model, exactly."""
    X = ppca_data(600)
    X_missing = X.copy()
    X_missing[np.random.default_rng(2).uniform(size=X.shape) < 0.25] = np.nan
    imputer = VAEImputer(n_components=3, max_iter=20, batch_size=64, random_state=0)
    filled = imputer.fit(X_missing).transform(X_missing)
    # The model, read off the Keras decoder: x_scaled = b + z W + N(0, diag(psi)).
    W, b = (np.asarray(w, dtype=np.float64) for w in imputer._model.decoder.get_weights())
    psi = np.exp(np.asarray(imputer._model.obs_log_var(), dtype=np.float64))
    mean = imputer.mean_ + b * imputer.scale_  # in X's units
    covariance = (W.T @ W + np.diag(psi)) * np.outer(imputer.scale_, imputer.scale_)
    for row, result in zip(X_missing[:60], filled[:60], strict=True):
        o, m = ~np.isnan(row), np.isnan(row)
        if m.any() and o.any():
            gain = covariance[np.ix_(m, o)] @ np.linalg.inv(covariance[np.ix_(o, o)])
            np.testing.assert_allclose(result[m], mean[m] + gain @ (row[o] - mean[o]), rtol=1e-4)
        np.testing.assert_array_equal(result[o], row[o])


def test_exact_fill_with_conditions_matches_gaussian_conditioning():
    """With condition_on, the linear imputer's fill is E[x_m | x_o, c] of its own model."""
    rng = np.random.default_rng(3)
    c = rng.normal(size=(500, 1))
    z = rng.normal(size=(500, 2))
    X = np.hstack([z @ rng.normal(size=(2, 5)) + 2 * c + 0.3 * rng.normal(size=(500, 5)), c])
    X_missing = X.copy()
    X_missing[:, :5][rng.uniform(size=(500, 5)) < 0.3] = np.nan
    imputer = VAEImputer(
        n_components=2, condition_on=[5], max_iter=20, batch_size=64, random_state=0
    ).fit(X_missing)
    filled = imputer.transform(X_missing)
    kernel, bias = (np.asarray(w, dtype=np.float64) for w in imputer._model.decoder.get_weights())
    psi = np.exp(np.asarray(imputer._model.obs_log_var(), dtype=np.float64))
    c_scaled = imputer._encode_conditions(X_missing[:, 5:]).astype(np.float64)
    covariance = (kernel[:2].T @ kernel[:2] + np.diag(psi)) * np.outer(
        imputer.scale_, imputer.scale_
    )
    for row, c_row, result in zip(X_missing[:40], c_scaled[:40], filled[:40], strict=True):
        mean = imputer.mean_ + (bias + c_row @ kernel[2:]) * imputer.scale_
        x = row[:5]
        o, m = ~np.isnan(x), np.isnan(x)
        if m.any() and o.any():
            gain = covariance[np.ix_(m, o)] @ np.linalg.inv(covariance[np.ix_(o, o)])
            np.testing.assert_allclose(result[:5][m], mean[m] + gain @ (x[o] - mean[o]), rtol=1e-4)
    np.testing.assert_array_equal(filled[:, 5], X[:, 5])


def test_exact_fill_follows_the_fitted_model_not_the_parameters():
    """An unfitted imputer says so; one fitted non-linear stays importance-sampled after
    set_params(hidden_layer_sizes=())."""
    X = ppca_data(300)
    X[::5, 0] = np.nan
    for method in (VAEImputer().transform, VAEImputer().multiple_imputations):
        with pytest.raises(NotFittedError):
            method(X)
    imputer = VAEImputer(n_components=3, hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    imputer.fit(X)
    assert not imputer._has_linear_gaussian_model()
    imputer.set_params(hidden_layer_sizes=())
    assert not imputer._has_linear_gaussian_model()
    linear = VAEImputer(n_components=3, max_iter=3, random_state=0).fit(X)
    assert linear._has_linear_gaussian_model()


def test_multiple_imputations_vary_around_the_conditional_mean():
    """Draws differ from each other, keep observed entries, and average near the mean fill."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(400, 1))
    X = np.hstack([z, 2 * z, -z]) + 0.3 * rng.normal(size=(400, 3))
    X_missing = X.copy()
    X_missing[::4, 1] = np.nan
    imputer = VAEImputer(
        n_components=1, batch_size=32, learning_rate=1e-2, max_iter=40, random_state=0
    ).fit(X_missing)
    draws = imputer.multiple_imputations(
        X_missing[:40], n_imputations=200, random_state=0, parameter_uncertainty=False
    )
    assert draws.shape == (200, 40, 3)
    holes = np.isnan(X_missing[:40])
    np.testing.assert_array_equal(
        draws[:, ~holes], np.broadcast_to(X[:40][~holes], (200, (~holes).sum()))
    )
    assert draws[:, holes].std(axis=0).min() > 0.1  # real uncertainty, not one value
    mean_fill = imputer.transform(X_missing[:40])[holes]
    np.testing.assert_allclose(draws[:, holes].mean(axis=0), mean_fill, atol=0.15)
    np.testing.assert_array_equal(  # seeded: reproducible
        draws,
        imputer.multiple_imputations(
            X_missing[:40], n_imputations=200, random_state=0, parameter_uncertainty=False
        ),
    )


def test_refitted_parameters_widen_the_draws_by_the_estimation_error():
    """With parameter_uncertainty (the default), each completion's parameters are refitted
    to a table simulated from the model: on 40 training rows the draws spread wider than
    under the fitted parameters alone, keep the observed entries, and are reproducible. A
    model with conditions, which cannot be refitted so, draws under its fitted parameters."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(40, 1))
    X = np.hstack([z, 2 * z, -z]) + 0.3 * rng.normal(size=(40, 3))
    X_missing = np.where(rng.uniform(size=X.shape) < 0.25, np.nan, X)
    imputer = VAEImputer(n_components=1, max_iter=5, random_state=0).fit(X_missing)
    assert imputer._training_missing_rates.round(3).tolist() == (
        np.isnan(X_missing).mean(axis=0).round(3).tolist()
    )
    refit = imputer.multiple_imputations(X_missing, n_imputations=40, random_state=0)
    fixed = imputer.multiple_imputations(
        X_missing, n_imputations=40, random_state=0, parameter_uncertainty=False
    )
    holes = np.isnan(X_missing)
    np.testing.assert_array_equal(refit[:, ~holes], fixed[:, ~holes])
    spread_refit, spread_fixed = refit[:, holes].std(axis=0), fixed[:, holes].std(axis=0)
    assert spread_refit.mean() > 1.05 * spread_fixed.mean(), (
        spread_refit.mean(),
        spread_fixed.mean(),
    )
    np.testing.assert_array_equal(
        refit, imputer.multiple_imputations(X_missing, n_imputations=40, random_state=0)
    )
    with pytest.raises(ValueError, match="parameter_uncertainty must be True or False; got 'yes'"):
        imputer.multiple_imputations(X_missing, parameter_uncertainty="yes")
    conditioned = VAEImputer(n_components=1, max_iter=2, condition_on=[0], random_state=0)
    conditioned.fit(np.column_stack([np.arange(40) % 2, X_missing[:, 1:]]))
    rows = np.column_stack([np.arange(40) % 2, X_missing[:, 1:]])
    np.testing.assert_array_equal(
        conditioned.multiple_imputations(rows, n_imputations=3, random_state=0),
        conditioned.multiple_imputations(
            rows, n_imputations=3, random_state=0, parameter_uncertainty=False
        ),
    )


def test_refits_keep_more_latent_dimensions_than_columns():
    """An imputer with more latent dimensions than columns (an explicit n_components=5 on
    3 columns) draws refitted copies too: the refit pads its loadings, as the fit's start
    does, so the latent prior keeps its dimension."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 1)) @ [[1.0, -1.0, 0.5]] + 0.3 * rng.normal(size=(60, 3))
    X[::4, 1] = np.nan
    imputer = VAEImputer(n_components=5, max_iter=3, random_state=0).fit(X)
    draws = imputer.multiple_imputations(X[:8], n_imputations=2, random_state=0)
    assert draws.shape == (2, 8, 3) and np.isfinite(draws).all()
    assert draws[0, 0, 1] != draws[1, 0, 1]  # row 0's hole: two different draws


def test_parameter_refits_spread_less_on_larger_tables():
    """The parametric bootstrap's refits vary with the size of the simulated table as
    estimates do: the first loading's spread over 20 refits shrinks about as 1/sqrt(n)
    from 50 to 800 rows (a factor of 4)."""
    from skvae._vae._latent_mixture import standard_prior
    from skvae._vae._parameter_draws import refitted_parameters, simulated_table

    model = (np.zeros(3), np.array([[1.0, 2.0, -1.0]]), np.full(3, 0.25), standard_prior(1))
    rng = np.random.RandomState(0)
    spreads = []
    for n_rows in (50, 800):
        loadings = []
        for seed in range(20):
            table = simulated_table(n_rows, np.zeros(3), *model, rng)
            W = refitted_parameters(table, 1, 1e-3, 1, seed)[1]
            loadings.append(abs(W[0, 0]))
        spreads.append(np.std(loadings))
    assert 2.5 < spreads[0] / spreads[1] < 6.5, spreads


def test_placeholder_missing_values_and_errors():
    """missing_values=-1 works like NaN; inf and all-missing columns are clear errors."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, 1))
    X = np.hstack([z, -z]) + 5.0
    X_placeholder = X.copy()
    X_placeholder[::5, 0] = -1
    X_nan = X.copy()
    X_nan[::5, 0] = np.nan
    params = dict(n_components=1, batch_size=32, max_iter=5, random_state=0)
    np.testing.assert_array_equal(
        VAEImputer(missing_values=-1, **params).fit_transform(X_placeholder),
        VAEImputer(**params).fit_transform(X_nan),
    )
    with pytest.raises(ValueError, match="Input X contains infinity"):
        VAETransformer(max_iter=1).fit(np.where(X > 5.5, np.inf, X))
    all_missing = X.copy()
    all_missing[:, 1] = np.nan
    with pytest.raises(ValueError, match=r"column\(s\) \[1\] have no observed value"):
        VAETransformer(max_iter=1).fit(all_missing)


def test_pd_na_as_the_placeholder_fills_the_na_cells_of_frames_and_arrays(tmp_path):
    """VAEImputer(missing_values=pd.NA) passes parameter validation (as SimpleImputer's
    does) and fills the pd.NA cells of a nullable float column and an object (text) column
    with the values that NaN and None there get; in an object array, pd.NA is filled as
    NaN is; and the model saves and loads with its pd.NA placeholder."""
    import pandas as pd

    from skvae import load, save

    rng = np.random.default_rng(0)
    z = rng.normal(size=(120, 1))
    X = np.hstack([z, -z, 2 * z]) + 0.05 * rng.normal(size=(120, 3))
    holes = rng.uniform(size=120) < 0.3
    with_nan = pd.DataFrame(X, columns=["a", "b", "c"]).assign(
        a=np.where(holes, np.nan, X[:, 0]),
        label=np.where(holes[::-1], None, np.where(z[:, 0] > 0, "up", "down")).astype(object),
    )
    with_na = with_nan.astype({"a": "Float64"}).assign(
        label=with_nan["label"].where(~holes[::-1], pd.NA)
    )
    assert with_na["a"].isna().sum() == holes.sum() and with_na["label"].isna().any()
    params = dict(n_components=1, max_iter=5, random_state=0)
    imputer = VAEImputer(missing_values=pd.NA, **params)
    filled = imputer.fit_transform(with_na)
    expected = VAEImputer(**params).fit_transform(with_nan)
    assert not filled.isna().any().any()
    np.testing.assert_array_equal(filled["a"].to_numpy(float), expected["a"].to_numpy())
    assert filled["label"].tolist() == expected["label"].tolist()
    np.testing.assert_array_equal(filled["a"][~holes], X[~holes, 0])

    array_na = X.astype(object)
    array_na[holes, 0] = pd.NA
    array_nan = np.where(holes[:, None] & (np.arange(3) == 0), np.nan, X)
    np.testing.assert_array_equal(
        VAEImputer(missing_values=pd.NA, **params).fit_transform(array_na),
        VAEImputer(**params).fit_transform(array_nan),
    )

    save(imputer, tmp_path / "na.skvae")
    loaded = load(tmp_path / "na.skvae")
    assert loaded.get_params()["missing_values"] is pd.NA
    pd.testing.assert_frame_equal(loaded.transform(with_na), filled)


def test_a_numeric_placeholder_in_an_integer_column_gives_whole_number_fills():
    """VAEImputer(missing_values=-1) on an int64 DataFrame column fills its holes with
    whole numbers, as pd.NA in the same column as Int64 does (the same fills; it filled
    fractions such as 5.62 into a float64 column), returns the column as int64 again (no
    hole is left; Int64 was returned, which a ColumnTransformer stacks into objects), and
    leaves the observed values and an integer column without the placeholder as they were."""
    import pandas as pd

    rng = np.random.default_rng(0)
    z = rng.normal(size=120)
    frame = pd.DataFrame(
        {
            "x": z,
            "k": np.clip(np.round(3 + 1.5 * z), 0, 8).astype("int64"),
            "n": np.arange(120, dtype="uint16") % 5,
        }
    )
    holes = rng.uniform(size=120) < 0.25
    with_sentinel = frame.copy()
    with_sentinel.loc[holes, "k"] = -1
    with_na = frame.astype({"k": "Int64"})
    with_na.loc[holes, "k"] = pd.NA
    params = dict(max_iter=30, random_state=0)
    filled = VAEImputer(missing_values=-1, **params).fit_transform(with_sentinel)
    expected = VAEImputer(**params).fit_transform(with_na)
    pd.testing.assert_frame_equal(filled, expected.astype({"k": "int64"}))
    assert str(filled["k"].dtype) == "int64" and str(filled["n"].dtype) == "uint16"
    assert str(expected["k"].dtype) == "Int64"  # a nullable column given stays nullable
    assert filled["k"][holes].between(0, 8).all()
    assert filled["k"][~holes].tolist() == frame["k"][~holes].tolist()


def test_a_rows_density_with_a_hole_integrates_to_one_over_its_observed_column():
    """A non-linear VAE's exp(score_samples([x0, NaN])) integrates over x0 to 1 at the
    default 100 draws (it gave 0.59 from q alone: q(z | x0) is narrower than p(z | x0), and
    the rows in the tails scored 3 nats low) and comes within a nat, at x0's 5 % quantile,
    of the model's own complete-row density integrated over x1; a value 1e6 out gets a
    finite, very low score (the defensive weights' float32 log q once gave it +5.7e6)."""
    rng = np.random.default_rng(0)
    t = rng.normal(size=300)
    X = np.column_stack([2.0 * t + 1.0, 3.0 * np.sin(t) + 0.5 * rng.normal(size=300) + 10])
    vae = VAETransformer(max_iter=100, random_state=0).fit(X)
    # Substituting x = m + s tan(u) covers the real line, the background's tails included.
    u = np.linspace(-np.pi / 2, np.pi / 2, 4003)[1:-1]

    def integral(column, fixed=None):
        m, s = X[:, column].mean(), X[:, column].std()
        rows = np.full((len(u), 2), np.nan if fixed is None else fixed)
        rows[:, column] = m + s * np.tan(u)
        return np.sum(np.exp(vae.score_samples(rows)) * s / np.cos(u) ** 2 * (u[1] - u[0]))

    assert integral(0) == pytest.approx(1.0, abs=0.05)
    assert integral(1) == pytest.approx(1.0, abs=0.05)
    low = np.quantile(X[:, 0], 0.05)
    marginal = np.exp(vae.score_samples(np.array([[low, np.nan]]))[0])
    # Within a nat at 100 draws (measured 0.67 above; 3.2 below from q alone).
    assert abs(np.log(marginal) - np.log(integral(1, fixed=low))) < 1.0
    far = vae.score_samples(np.array([[1e6, np.nan], [np.nan, -1e6]]))
    assert np.isfinite(far).all() and (far < vae.score_samples(X).min() - 10).all()


def test_all_missing_column_is_named_as_the_user_knows_it(tmp_path):
    """The all-NaN column error names a DataFrame's column by name (numeric, categorical
    or boolean), and an array's (also a memory map's) by its position in X, not among the
    numeric or modelled columns."""
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "country": rng.choice(["a", "b"], 40),
            "x": rng.normal(size=40),
            "colour": rng.choice(["red", "blue"], 40),
            "empty": np.nan,
            "y": rng.normal(size=40),
            "blank": np.nan,
        }
    )
    with pytest.raises(ValueError) as error:
        VAETransformer(max_iter=1).fit(frame)
    assert str(error.value).startswith(
        "column(s) ['empty', 'blank'] have no observed value (all NaN); drop them"
    )
    # A pandas Categorical of NaN still declares its categories, and a nullable boolean of
    # NA its kind: no values to learn either from, for the transformer or the imputer.
    unobserved = frame[["country", "x"]].assign(
        shade=pd.Categorical([np.nan] * 40, categories=["light", "dark"]),
        flag=pd.array([pd.NA] * 40, dtype="boolean"),
    )
    for estimator in (VAETransformer(max_iter=1), VAEImputer(max_iter=1)):
        with pytest.raises(ValueError, match=r"^column\(s\) \['shade', 'flag'\] have no observed"):
            estimator.fit(unobserved)
    # Checked on the user's rows, not on a subset: the detector's trimmed refit leaves out
    # its least likely rows, which may hold all of a column's few observed values.
    rare = frame[["x", "y"]].assign(
        flag=pd.array([pd.NA] * 40, dtype="boolean"),
        shade=pd.Categorical([np.nan] * 40, categories=["light", "dark"]),
    )
    rare.loc[0, ["x", "y", "flag", "shade"]] = [8.0, -8.0, True, "light"]
    rare.loc[1, ["x", "y", "flag", "shade"]] = [-8.0, 8.0, False, "dark"]
    detector = VAEOutlierDetector(max_iter=2, trim=0.1, random_state=0).fit(rare)
    assert np.isfinite(detector.score_samples(rare)).all()
    # An array with a condition column in front: column 2 of X, not of the modelled ones.
    X = rng.normal(size=(40, 3))
    X[:, 0] = rng.integers(0, 2, size=40)
    X[:, 2] = np.nan
    with pytest.raises(ValueError, match=r"^column\(s\) \[2\] have no observed value"):
        VAETransformer(max_iter=1, condition_on=[0]).fit(X)
    mapped = np.lib.format.open_memmap(tmp_path / "X.npy", mode="w+", shape=X.shape)
    mapped[:] = X
    with pytest.raises(ValueError, match=r"^column\(s\) \[2\] have no observed value"):
        VAETransformer(max_iter=1, condition_on=[0]).fit(mapped)


def test_refinement_passes_change_only_rows_with_missing_entries():
    """The encoder's missing-entry refinement (3 passes) leaves complete rows bit for bit as
    they are, so a batch of complete rows skips it; in a batch with one incomplete row, only
    that row's code changes."""
    from skvae._nn._prediction import to_numpy

    X = load_wine().data[:64]
    vae = VAETransformer(max_iter=3, random_state=0).fit(load_wine().data)
    model = vae._model

    def codes(rows, passes):
        return to_numpy(model.encode(vae._model_input(rows), passes)[0])

    np.testing.assert_array_equal(codes(X, 3), codes(X, 0))
    X_missing = X.copy()
    X_missing[0, :6] = np.nan
    refined, unrefined = codes(X_missing, 3), codes(X_missing, 0)
    assert np.abs(refined[0] - unrefined[0]).max() > 1e-3
    np.testing.assert_array_equal(refined[1:], unrefined[1:])


def test_factor_analysis_with_missing_is_factor_analysis_on_complete_rows():
    """On complete rows the EM of skvae._vae._missing_factor_analysis reaches scikit-learn's
    FactorAnalysis solution: the same mean log-likelihood and the same covariance."""
    X = ppca_data(1000)
    fa = FactorAnalysis(3, tol=1e-8, max_iter=5000).fit(X)
    mean, W, psi, log_likelihood = factor_analysis_with_missing(X, 3, 1e-6, tol=1e-9)
    assert log_likelihood == pytest.approx(fa.score(X), abs=1e-4)
    np.testing.assert_allclose(mean, X.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(W.T @ W + np.diag(psi), fa.get_covariance(), atol=2e-3)


def test_factor_analysis_with_missing_recovers_the_model_from_incomplete_rows():
    """With 40% of the entries missing at random, EM's log-likelihood of the observed
    entries rises at every iteration, and the fitted covariance is close to the true one:
    within twice the error of FA on the complete rows, where FA on the mean-filled rows
    is over ten times further off."""
    rng = np.random.default_rng(3)
    X = ppca_data(3000, seed=3)
    X_missing = np.where(rng.uniform(size=X.shape) < 0.4, np.nan, X)
    history = [
        factor_analysis_with_missing(X_missing, 3, 1e-6, max_iter=n_iter, tol=-np.inf)[3]
        for n_iter in (1, 2, 5, 20, 100)
    ]
    assert np.all(np.diff(history) > 0), history
    rng_model = np.random.default_rng(3)
    W_true = rng_model.normal(size=(3, 10))
    true_covariance = W_true.T @ W_true + 0.25 * np.eye(10)
    mean, W, psi, _ = factor_analysis_with_missing(X_missing, 3, 1e-6)
    error = np.abs(W.T @ W + np.diag(psi) - true_covariance).max()
    complete_error = np.abs(FactorAnalysis(3).fit(X).get_covariance() - true_covariance).max()
    mean_filled = np.where(np.isnan(X_missing), np.nanmean(X_missing, axis=0), X_missing)
    filled_covariance = FactorAnalysis(3).fit(mean_filled).get_covariance()
    filled_error = np.abs(filled_covariance - true_covariance).max()
    # Measured (largest entry error; the diagonal reaches 12.3): 0.39 from the incomplete
    # rows, 0.23 from the complete ones, 5.07 from the mean-filled ones.
    assert error < 2 * complete_error, (error, complete_error)
    assert filled_error > 10 * error, (filled_error, error)
    np.testing.assert_allclose(mean, 2.0, atol=0.1)


def test_factor_analysis_with_missing_converges_for_a_column_seen_in_few_rows():
    """EM does not stop while a column observed in 14 of 200 rows is still converging: at
    the default tolerance it ends within 1e-3 nats per row of the maximum, and its fills of
    that column (twice another column, plus noise) are within 25 % of the converged fills'
    RMSE. Measured: 0.0007 short, RMSE 0.357 against 0.304; stopping at the first gain
    below the tolerance ended 0.009 short with RMSE 0.637, fills shrunk towards the mean."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, 1))
    X = np.hstack([z, -z, 2 * z, z**2]) + 0.1 * rng.normal(size=(200, 4))
    hidden = rng.uniform(size=(3, 200))[2] < 0.95  # 186 rows
    X_missing = X.copy()
    X_missing[hidden, 2] = np.nan
    centre, spread = np.nanmean(X_missing, axis=0), np.nanstd(X_missing, axis=0)
    X_scaled = (X_missing - centre) / spread

    def fill_error_and_log_likelihood(tol):
        mean, W, psi, log_likelihood = factor_analysis_with_missing(
            X_scaled, 3, 1e-4, prior_rows=1.0, max_iter=100000, tol=tol
        )
        covariance = W.T @ W + np.diag(psi)
        seen = [0, 1, 3]
        weights = np.linalg.solve(covariance[np.ix_(seen, seen)], covariance[seen, 2])
        fills = mean[2] + (X_scaled[hidden][:, seen] - mean[seen]) @ weights
        error = np.sqrt(np.mean((fills * spread[2] + centre[2] - X[hidden, 2]) ** 2))
        return error, log_likelihood

    error, log_likelihood = fill_error_and_log_likelihood(1e-4)
    converged_error, converged_log_likelihood = fill_error_and_log_likelihood(1e-10)
    assert log_likelihood == pytest.approx(converged_log_likelihood, abs=1e-3)
    assert error < 1.25 * converged_error, (error, converged_error)


def test_linear_gaussian_fit_on_incomplete_rows_starts_from_factor_analysis():
    """A linear Gaussian VAE fitted on rows with 20% missing entries starts from factor
    analysis's EM solution: after a single epoch its held-out score is already within
    0.1 nats of FA fitted on the complete rows (a random start is nats away)."""
    X = ppca_data(2500)
    X_train, X_test = X[:2000].copy(), X[2000:]
    X_train[np.random.default_rng(2).uniform(size=X_train.shape) < 0.2] = np.nan
    fa_complete = FactorAnalysis(3).fit(X[:2000]).score(X_test)
    params = {**LINEAR_VAE_PARAMS, "max_iter": 1, "n_importance_samples": 500}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        started = VAETransformer(**params).fit(X_train).score(X_test)
        random_start = VAETransformer(**{**params, "likelihood": "student_t"}).fit(X_train)
    # Measured: -12.01 (FA on the complete rows: -12.01); the Student-t model, which
    # starts from random weights, scores -17.08 after its epoch.
    assert started > fa_complete - 0.1, (started, fa_complete)
    assert random_start.score(X_test) < fa_complete - 1.0


def test_only_the_encoder_trains_after_an_incomplete_factor_analysis_start():
    """On incomplete rows the linear Gaussian VAE keeps factor analysis's decoder (loadings,
    intercepts and noise variances) through training, and trains its encoder, also when an
    earlier fit of the same architecture on complete rows (whose decoder trains) left a
    compiled model in the pool."""
    X = ppca_data(600)
    X_missing = np.where(np.random.default_rng(4).uniform(size=X.shape) < 0.2, np.nan, X)
    params = {**LINEAR_VAE_PARAMS, "max_iter": 5}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        complete = VAETransformer(**params).fit(X)
        vae = VAETransformer(**params).fit(X_missing)
    start = factor_analysis_start((X_missing - vae.mean_) / vae.scale_, 3, vae.var_floor)
    kernel, bias = vae._model.decoder.get_layer("x_param").get_weights()
    np.testing.assert_array_equal(kernel, start["x_param"][0])
    np.testing.assert_array_equal(bias, start["x_param"][1])
    np.testing.assert_array_equal(np.asarray(vae._model.obs_raw_var), start["obs_raw_var"])
    encoder_kernel = vae._model.encoder.get_layer("z_mean").get_weights()[0]
    assert np.abs(encoder_kernel - start["z_mean"][0]).max() > 1e-3
    # On complete rows the decoder does train (from FA's solution).
    complete_start = factor_analysis_start(
        (X - complete.mean_) / complete.scale_, 3, complete.var_floor
    )
    complete_kernel = complete._model.decoder.get_layer("x_param").get_weights()[0]
    assert np.abs(complete_kernel - complete_start["x_param"][0]).max() > 1e-4


def test_a_loaded_incomplete_row_model_keeps_its_decoder_in_partial_fit():
    """A linear Gaussian VAE fitted on incomplete rows, pickled and loaded, keeps factor
    analysis's decoder when partial_fit continues its training (the encoder moves)."""
    X = ppca_data(400)
    X_missing = np.where(np.random.default_rng(5).uniform(size=X.shape) < 0.2, np.nan, X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        vae = VAETransformer(**{**LINEAR_VAE_PARAMS, "max_iter": 3}).fit(X_missing)
    loaded = pickle.loads(pickle.dumps(vae))
    decoder = [w.copy() for w in loaded._model.decoder.get_weights()]
    encoder = [w.copy() for w in loaded._model.encoder.get_weights()]
    loaded.partial_fit(X_missing)
    for before, after in zip(decoder, loaded._model.decoder.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    trained = loaded._model.encoder.get_weights()
    moved = [np.abs(a - b).max() for a, b in zip(encoder, trained, strict=True)]
    assert max(moved) > 1e-4


def test_one_column_and_fewer_rows_than_columns():
    """The default (factor-analysis) imputer fits one column (its holes get the column's
    mean) and fewer rows than columns (the factors beyond the rows start unused), and a
    single training row fills each hole with that row's value."""
    rng = np.random.default_rng(0)
    column = rng.normal(size=(60, 1))
    column[:5] = np.nan
    filled = VAEImputer(max_iter=5, random_state=0).fit_transform(column)
    np.testing.assert_allclose(filled[:5, 0], np.nanmean(column), rtol=1e-6)
    X = rng.normal(size=(60, 4))
    holes = X[10:13].copy()
    holes[0, 1] = np.nan
    for n_rows in (1, 2, 3):
        imputer = VAEImputer(max_iter=5, random_state=0).fit(X[:n_rows])
        result = imputer.transform(holes)
        assert np.all(np.isfinite(result))
        np.testing.assert_array_equal(result[1:], holes[1:])
    np.testing.assert_allclose(
        VAEImputer(max_iter=5, random_state=0).fit(X[:1]).transform(holes)[0, 1], X[0, 1]
    )


def test_far_out_observed_values_give_finite_fills():
    """Observed values far beyond float32 (1e300) still give finite fills, single and
    multiple, clipped on their way in as the network's inputs are (they overflowed the
    conditional's squares into NaN fills)."""
    X = load_wine().data
    imputer = VAEImputer(max_iter=2, random_state=0).fit(X)
    rows = np.full((2, X.shape[1]), 1e300)
    rows[0, 0] = np.nan
    rows[1] = X[0]
    rows[1, 3] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        filled = imputer.transform(rows)
        draws = imputer.multiple_imputations(rows, n_imputations=2, random_state=0)
    assert np.isfinite(filled).all() and np.isfinite(draws).all()
    # The ordinary row's fill is unaffected by the far-out one beside it.
    np.testing.assert_array_equal(filled[1], imputer.transform(rows[1:])[0])


def test_complete_training_rows_start_the_imputer_at_factor_analysis_maximum():
    """Fitted on complete rows of x = -y, the imputer fills x given y as -y after a short
    fit, as it does when a training row has a hole: scikit-learn's FactorAnalysis, the
    former start, stopped with noise variances of 0.5 and the fill of y = 1 was -0.68."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=150)
    X = np.c_[rng.integers(0, 10, size=150), z, -z + 0.05 * rng.normal(size=150)]
    new = np.array([[3.0, np.nan, 0.3], [3.0, np.nan, 1.0], [3.0, np.nan, -2.0]])
    filled = VAEImputer(max_iter=20, random_state=0).fit(X).transform(new)[:, 1]
    np.testing.assert_allclose(filled, [-0.3, -1.0, 2.0], atol=0.03)
