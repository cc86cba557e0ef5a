"""Model selection speed: ``GridSearchCV`` over ``n_components`` with skvae, with a
hand-written Keras VAE wrapped for scikit-learn, and with ``GaussianMixture``.

The core use of skvae is a grid search: dozens of short fits of a few architectures. Each
search here is ``GridSearchCV(estimator, {"n_components": grid}, cv=3)`` (3 folds per
value, then the refit on all rows), scored by the estimator's own ``score`` (no
``scoring=``), on wine (178 x 13) and digits (1,797 x 64), each searched from a cold start:

- ``skvae``: ``VAETransformer(max_iter=50)``, defaults otherwise (the pool of compiled
  models and the shared prediction graphs are emptied before each search, so a search
  pays its own tracing);
- ``keras``: the VAE a user writes from the keras.io example (encoder and decoder with
  skvae's default hidden layers (64, 32), ReLU, a Gaussian likelihood with one learned
  variance per feature, Adam 1e-3, ``train_step`` with ``tf.GradientTape``), wrapped in a
  20-line scikit-learn estimator whose ``score`` is the mean ELBO per row in the units of
  X; the same 50 epochs and the batch size skvae chooses for the fold
  (``batch_size_``);
- ``GaussianMixture``: full covariances, its defaults otherwise.

Times are wall seconds of ``GridSearchCV.fit`` (the scoring of every fold included),
over ``--rounds`` rounds with the contenders interleaved; the table gives their mean,
median and worst (largest), the ratios of the medians, and each search's best
``n_components`` and best CV score (mean held-out log-likelihood per row in nats, the
ELBO for the hand-written VAE: a lower bound).

Targets (issue 19): skvae's search at least 2x faster than the hand-written Keras one,
and within 10x of ``GaussianMixture`` on wine.

The run ends with the cost of one epoch over 1,000 rows (digits' first 1,000, 64 columns,
``VAETransformer(max_iter=20)``, defaults otherwise): the median, mean and worst epoch
of a second fit in the process (seed 1, after a fit with seed 0), timed from
``on_epoch_begin`` to ``on_epoch_end`` by a user's callback, and that whole second fit's
seconds divided by its epochs. Target: under 50 ms.

``--breakdown`` prints only where the time of a 50-epoch wine fit goes (defaults): the
time before training (validation, scaling, building the models), the first epoch (tracing
and optimising the training step when there is no compiled twin), the later epochs, the
diagnostics after training, the whole fit and the estimator's first ``score_samples``,
for an architecture's first fit in the process and for a later fit (another seed).

Run:  python benchmarks/model_selection.py            (3 rounds, about 8 minutes on 2 cores)
      python benchmarks/model_selection.py --quick    (1 round on wine, about 1 minute)
      python benchmarks/model_selection.py --breakdown   (about 15 s)
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from sklearn.base import BaseEstimator  # noqa: E402

GRIDS = {"wine": [1, 2, 3, 4], "digits": [2, 4, 8, 16]}
EPOCHS = 50
HIDDEN = (64, 32)
LOG_2PI = float(np.log(2 * np.pi))


def load(name):
    """A bundled scikit-learn table as float64 rows."""
    from sklearn import datasets

    loader = {"wine": datasets.load_wine, "digits": datasets.load_digits}[name]
    return loader().data.astype(np.float64)


def skvae_batch_size(n_rows):
    """The batch size skvae's ``batch_size="auto"`` picks for n training rows."""
    from skvae import VAETransformer

    return VAETransformer()._batch_size_for(n_rows)


class HandWrittenKerasVAE(BaseEstimator):
    """A Keras VAE as a user would wrap it for scikit-learn (keras.io example style)."""

    def __init__(self, n_components=2, epochs=EPOCHS, random_state=0):
        self.n_components, self.epochs, self.random_state = n_components, epochs, random_state

    def fit(self, X, y=None):
        import keras

        keras.utils.set_random_seed(self.random_state)
        self.mean_, self.scale_ = X.mean(axis=0), X.std(axis=0) + 1e-6
        X_scaled = ((X - self.mean_) / self.scale_).astype("float32")
        self.model_ = build_hand_written_vae(X.shape[1], self.n_components)
        self.model_.compile(optimizer=keras.optimizers.Adam(1e-3))
        batch_size = skvae_batch_size(len(X))
        self.model_.fit(X_scaled, epochs=self.epochs, batch_size=batch_size, verbose=0)
        return self

    def score(self, X, y=None):
        X_scaled = ((X - self.mean_) / self.scale_).astype("float32")
        loss = self.model_.evaluate(X_scaled, batch_size=1024, verbose=0)
        # The ELBO of the scaled rows, minus the log-Jacobian of the scaling: nats of X.
        return -float(loss) - float(np.log(self.scale_).sum())


def build_hand_written_vae(n_features, n_components):
    """Encoder, decoder and a train_step with tf.GradientTape, as in the keras.io VAE."""
    import keras
    import tensorflow as tf
    from keras import layers, ops

    x_in = keras.Input((n_features,))
    h = x_in
    for units in HIDDEN:
        h = layers.Dense(units, activation="relu")(h)
    encoder = keras.Model(x_in, [layers.Dense(n_components)(h), layers.Dense(n_components)(h)])
    z_in = keras.Input((n_components,))
    h = z_in
    for units in reversed(HIDDEN):
        h = layers.Dense(units, activation="relu")(h)
    decoder = keras.Model(z_in, layers.Dense(n_features)(h))

    class VAE(keras.Model):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = encoder, decoder
            self.log_var = self.add_weight(shape=(n_features,), initializer="zeros")
            self.seed = keras.random.SeedGenerator(0)
            self.loss_tracker = keras.metrics.Mean(name="loss")

        @property
        def metrics(self):
            return [self.loss_tracker]

        def negative_elbo(self, x):
            z_mean, z_log_var = self.encoder(x)
            eps = keras.random.normal(ops.shape(z_mean), seed=self.seed)
            x_mean = self.decoder(z_mean + ops.exp(0.5 * z_log_var) * eps)
            log_px = -0.5 * ops.sum(
                LOG_2PI + self.log_var + ops.square(x - x_mean) / ops.exp(self.log_var), axis=1
            )
            kl = -0.5 * ops.sum(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=1)
            return ops.mean(kl - log_px)

        def train_step(self, data):
            with tf.GradientTape() as tape:
                loss = self.negative_elbo(data)
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
            self.loss_tracker.update_state(loss)
            return {"loss": self.loss_tracker.result()}

        def test_step(self, data):
            self.loss_tracker.update_state(self.negative_elbo(data))
            return {"loss": self.loss_tracker.result()}

    return VAE()


def cold_skvae():
    """skvae's VAETransformer with its compiled-model pool and shared graphs emptied."""
    from skvae import VAETransformer
    from skvae._nn._graphs import clear_shared_graphs
    from skvae._nn._model_pool import MODEL_POOL

    MODEL_POOL.clear()
    clear_shared_graphs()
    return VAETransformer(max_iter=EPOCHS, random_state=0)


def contenders():
    from sklearn.mixture import GaussianMixture

    return {
        "skvae": cold_skvae,
        "keras (hand-written)": HandWrittenKerasVAE,
        "GaussianMixture": lambda: GaussianMixture(random_state=0),
    }


def timed_search(make, X, grid):
    """(seconds, best n_components, best CV score) of one GridSearchCV."""
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(make(), {"n_components": grid}, cv=3)
    start = time.perf_counter()
    search.fit(X)
    seconds = time.perf_counter() - start
    return seconds, search.best_params_["n_components"], float(search.best_score_)


def epoch_cost(n_rows=1000, epochs=20):
    """Epoch seconds (list) of a second 1,000-row fit and its whole fit's seconds."""
    import keras

    from skvae import VAETransformer

    X = load("digits")[:n_rows]
    VAETransformer(max_iter=epochs, random_state=0).fit(X)  # the process's first fit

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    seconds = []
    start = time.perf_counter()
    VAETransformer(max_iter=epochs, random_state=1).fit(X, callbacks=[EpochTimer()])
    return seconds, time.perf_counter() - start


def fit_breakdown(seed, epochs=EPOCHS):
    """{part: seconds} of one wine fit and its first score_samples (see the docstring)."""
    import keras

    from skvae import VAETransformer

    class Timer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            marks.append(time.perf_counter())

        def on_epoch_end(self, epoch, logs=None):
            marks.append(time.perf_counter())

    X, marks = load("wine"), []
    start = time.perf_counter()
    vae = VAETransformer(max_iter=epochs, random_state=seed).fit(X, callbacks=[Timer()])
    end = time.perf_counter()
    vae.score_samples(X)
    epochs_s = np.diff(marks)
    return {
        "before training": marks[0] - start,
        "first epoch": epochs_s[0],
        "later epochs (median)": statistics.median(epochs_s[1:]),
        "after training": end - marks[-1],
        "whole fit": end - start,
        "first score_samples": time.perf_counter() - end,
    }


def print_breakdown():
    first, later = fit_breakdown(seed=0), fit_breakdown(seed=1)
    print(f"Where a {EPOCHS}-epoch fit of wine goes (seconds), VAETransformer defaults")
    print("| part | architecture's first fit in the process | a later fit |")
    print("|---|---|---|")
    for part in first:
        print(f"| {part} | {first[part]:.3f} | {later[part]:.3f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 round, wine only")
    parser.add_argument("--tables", nargs="+", default=list(GRIDS), choices=list(GRIDS))
    parser.add_argument("--breakdown", action="store_true", help="only the fit breakdown")
    args = parser.parse_args(argv)
    if args.breakdown:
        print_breakdown()
        return 0
    rounds, tables = (1, ["wine"]) if args.quick else (args.rounds, args.tables)

    import keras

    keras.ops.convert_to_numpy(keras.ops.ones(1))  # the backend's start-up, for no one
    makers = contenders()
    results = {(t, name): [] for t in tables for name in makers}
    for round_index in range(rounds):
        for table in tables:
            X = load(table)
            names = list(makers)
            names = names[round_index % len(names) :] + names[: round_index % len(names)]
            for name in names:
                result = timed_search(makers[name], X, GRIDS[table])
                results[table, name].append(result)
                print(
                    f"round {round_index + 1} {table:7s} {name:22s} {result[0]:7.2f} s "
                    f"best n_components={result[1]} CV score={result[2]:.2f}",
                    flush=True,
                )
    print_table(results, tables, makers, rounds)
    seconds, whole = epoch_cost()
    print(
        f"\nOne epoch over 1,000 rows (digits, 64 columns), a second fit in the process: "
        f"median {1000 * statistics.median(seconds):.1f} ms, mean "
        f"{1000 * statistics.mean(seconds):.1f} ms, worst {1000 * max(seconds):.1f} ms; the "
        f"whole fit {1000 * whole / len(seconds):.1f} ms per epoch (target < 50 ms)"
    )
    return 0


def print_table(results, tables, makers, rounds):
    print()
    print(
        f"GridSearchCV(n_components, cv=3) wall seconds over {rounds} round(s); "
        f"{EPOCHS} epochs for both VAEs"
    )
    header = (
        "| table | contender | mean s | median s | worst s | best n_components | best CV score |"
    )
    print(header)
    print("|" + "---|" * 7)
    for table in tables:
        for name in makers:
            runs = results[table, name]
            seconds = [r[0] for r in runs]
            best = runs[-1]
            print(
                f"| {table} | {name} | {statistics.mean(seconds):.2f} | "
                f"{statistics.median(seconds):.2f} | {max(seconds):.2f} | {best[1]} | "
                f"{best[2]:.2f} |"
            )
    print()
    for table in tables:
        median = {name: statistics.median(r[0] for r in results[table, name]) for name in makers}
        print(
            f"{table}: hand-written Keras / skvae = "
            f"{median['keras (hand-written)'] / median['skvae']:.2f}x (target >= 2); "
            f"skvae / GaussianMixture = {median['skvae'] / median['GaussianMixture']:.1f}x"
            + (" (target <= 10)" if table == "wine" else "")
        )


if __name__ == "__main__":
    sys.exit(main())
