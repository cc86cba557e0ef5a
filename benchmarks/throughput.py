"""Training throughput of ``VAETransformer.fit`` against hand-written Keras 3 VAEs.

Contenders, on the same data and the same network (50 features, encoder 50-128-128-(8, 8),
decoder 8-128-128-50, a Gaussian likelihood with one learned variance per feature, Adam,
batch 256):

- ``skvae``: ``VAETransformer(hidden_layer_sizes=(128, 128), n_components=8,
  batch_size=256)`` at its default settings otherwise;
- ``keras (plain)``: a Keras 3 VAE written in the style of the keras.io VAE example
  (``train_step`` with ``tf.GradientTape``, ``Mean`` trackers, ``model.fit``) with
  ``compile()``'s defaults;
- ``keras (tuned)``: the same model with the best settings found here
  (``steps_per_execution`` and ``jit_compile``; ``--search`` re-runs that search).

Each contender's steady-state epoch time is the median of its epochs after the first (the
first includes tracing), taken by the same epoch-timing Keras callback for every contender
(for skvae, a subclass of its own non-finite-loss guard). Both the wall time and the
process CPU time of each epoch are recorded: on a machine shared with other work the wall
time mostly measures the neighbours, while CPU seconds per epoch stay close to the work
done, so the table gives rows/s and rows per CPU-second, and the ratios of both.
Contenders are interleaved within each round (rotating the order) and the median over
rounds is reported. The same run measures the machine's float32 matmul peak (a large
``tf.linalg.matmul``, best of 10, median over rounds) and the fraction of it each
contender reaches, counting 3x the forward matmul FLOPs for forward + backward.

The last column, "whole fit", counts every fixed cost of a fit (building the model,
tracing its step, setting up the data): rows x epochs divided by the seconds of the whole
``fit`` call. skvae reuses the compiled step of an earlier fit of the same architecture in
the process (``skvae._nn._model_pool``); the hand-written models trace theirs every fit.

Run:  python benchmarks/throughput.py            (about 4 minutes on 2 idle CPU cores)
      python benchmarks/throughput.py --quick    (fewer rows and rounds, ~1 minute)
      python benchmarks/throughput.py --search   (also time the tuning grid)
      python benchmarks/throughput.py --fixed-cost
                                                 (skvae's fixed cost of a later fit:
                                                  1- and 5-epoch fits, ~1 minute)
      python benchmarks/throughput.py --fixed-cost --profile
                                                 (also where a later 1-epoch fit's
                                                  seconds go, by cProfile)
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

N_FEATURES = 50
HIDDEN = (128, 128)
N_LATENT = 8
BATCH = 256
SKVAE = "skvae VAETransformer.fit"
LOG_2PI = float(np.log(2 * np.pi))
# Best settings found for the hand-written model on CPU (see --search).
TUNED = {"steps_per_execution": 32, "jit_compile": False}


def make_data(n_rows, seed=0):
    """Rows from a 8-factor linear-Gaussian model with a tanh twist, float32."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_rows, N_LATENT))
    W = rng.standard_normal((N_LATENT, N_FEATURES))
    X = np.tanh(z @ W / 2) + 0.1 * rng.standard_normal((n_rows, N_FEATURES))
    return X.astype(np.float32)


def forward_flops_per_row():
    """Multiply-adds x 2 of every Dense layer of encoder and decoder, one row."""
    enc = [N_FEATURES, *HIDDEN, 2 * N_LATENT]
    dec = [N_LATENT, *reversed(HIDDEN), N_FEATURES]
    return sum(2 * a * b for net in (enc, dec) for a, b in zip(net[:-1], net[1:], strict=False))


def build_keras_vae(seed=0):
    """The hand-written Keras 3 VAE (keras.io style), same network as skvae's."""
    import keras
    import tensorflow as tf
    from keras import layers, ops

    init = keras.initializers.GlorotUniform

    x_in = keras.Input(shape=(N_FEATURES,))
    h = x_in
    for i, units in enumerate(HIDDEN):
        h = layers.Dense(units, activation="relu", kernel_initializer=init(seed + i))(h)
    z_mean = layers.Dense(N_LATENT, kernel_initializer=init(seed + 10))(h)
    z_log_var = layers.Dense(N_LATENT, kernel_initializer=init(seed + 11))(h)
    encoder = keras.Model(x_in, [z_mean, z_log_var])
    z_in = keras.Input(shape=(N_LATENT,))
    h = z_in
    for i, units in enumerate(reversed(HIDDEN)):
        h = layers.Dense(units, activation="relu", kernel_initializer=init(seed + 20 + i))(h)
    decoder = keras.Model(z_in, layers.Dense(N_FEATURES, kernel_initializer=init(seed + 30))(h))

    class HandVAE(keras.Model):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = encoder, decoder
            self.log_var = self.add_weight(shape=(N_FEATURES,), initializer="zeros")
            self.noise = keras.random.SeedGenerator(seed)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.rec_tracker = keras.metrics.Mean(name="reconstruction")
            self.kl_tracker = keras.metrics.Mean(name="kl")

        @property
        def metrics(self):
            return [self.loss_tracker, self.rec_tracker, self.kl_tracker]

        def train_step(self, data):
            x = data[0] if isinstance(data, tuple) else data
            with tf.GradientTape() as tape:
                mu, lv = self.encoder(x)
                z = mu + ops.exp(0.5 * lv) * keras.random.normal(ops.shape(mu), seed=self.noise)
                x_mean = self.decoder(z)
                log_p = -0.5 * (
                    LOG_2PI + self.log_var + ops.square(x - x_mean) / ops.exp(self.log_var)
                )
                rec = -ops.sum(log_p, axis=1)
                kl = 0.5 * ops.sum(ops.exp(lv) + ops.square(mu) - 1.0 - lv, axis=1)
                loss = ops.mean(rec + kl)
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
            self.loss_tracker.update_state(loss)
            self.rec_tracker.update_state(rec)
            self.kl_tracker.update_state(kl)
            return {m.name: m.result() for m in self.metrics}

    return HandVAE()


def timed(callback_class):
    """A subclass of a Keras callback class that also appends each epoch's (wall, CPU)
    seconds to EPOCH_TIMES."""

    class Timed(callback_class):
        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = (time.perf_counter(), time.process_time())
            super().on_epoch_begin(epoch, logs)

        def on_epoch_end(self, epoch, logs=None):
            wall, cpu = self._t0
            EPOCH_TIMES.append((time.perf_counter() - wall, time.process_time() - cpu))
            super().on_epoch_end(epoch, logs)

    return Timed


EPOCH_TIMES = []


def keras_contender(steps_per_execution=1, jit_compile="auto", batch_size=BATCH):
    def fit(X, epochs):
        import keras

        model = build_keras_vae()
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
        )
        timer = timed(keras.callbacks.Callback)()
        # The keras.io example's call: NumPy arrays, Keras shuffles them.
        model.fit(X, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[timer])

    return fit


def skvae_estimator(epochs):
    """skvae's contender: the benchmark's network, at skvae's defaults otherwise."""
    from skvae import VAETransformer

    return VAETransformer(
        n_components=N_LATENT,
        likelihood="gaussian",
        hidden_layer_sizes=HIDDEN,
        batch_size=BATCH,
        max_iter=epochs,
        random_state=0,
    )


def skvae_contender(X, epochs):
    from skvae._nn import _trainer as _training

    # Time skvae's epochs with the same callback as the Keras contenders: a subclass of
    # skvae's own non-finite-loss guard that also records epoch times (it changes nothing
    # else; restored afterwards).
    guard = _training.NonFiniteLossGuard
    _training.NonFiniteLossGuard = timed(guard)
    try:
        skvae_estimator(epochs).fit(X)
    finally:
        _training.NonFiniteLossGuard = guard


def steady_rows_per_s(fit, X, epochs):
    """(rows per wall second, rows per CPU second) of the epochs after the first, and the
    rows per wall second of the whole ``fit`` call (building, tracing and every other fixed
    cost included: epochs x rows / the call's seconds)."""
    EPOCH_TIMES.clear()
    start = time.perf_counter()
    fit(X, epochs)
    whole = epochs * len(X) / (time.perf_counter() - start)
    if len(EPOCH_TIMES) != epochs:
        raise RuntimeError(f"expected {epochs} timed epochs, got {len(EPOCH_TIMES)}")
    return (*steady_rates(EPOCH_TIMES, len(X)), whole)


def steady_rates(epoch_times, n_rows):
    """(rows per wall second, rows per CPU second): the median of the epochs after the
    first, which includes tracing and warm-up. ``epoch_times`` are (wall, CPU) seconds."""
    wall, cpu = zip(*epoch_times[1:], strict=True)
    return n_rows / statistics.median(wall), n_rows / statistics.median(cpu)


def matmul_peak_gflops(n=2048, repeats=10):
    """Best float32 GFLOP/s of an n x n TensorFlow matmul (the machine's practical peak)."""
    import tensorflow as tf

    a = tf.random.stateless_normal((n, n), seed=(1, 2))
    b = tf.random.stateless_normal((n, n), seed=(3, 4))
    tf.linalg.matmul(a, b).numpy()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        tf.linalg.matmul(a, b).numpy()
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows and rounds")
    parser.add_argument("--search", action="store_true", help="also time the tuning grid")
    parser.add_argument(
        "--fixed-cost",
        action="store_true",
        help="only skvae: the seconds of a later fit that are not epochs",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="with --fixed-cost: the parts of a later 1-epoch fit, by cProfile",
    )
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    n_rows = args.rows or (40_000 if args.quick else 100_000)
    rounds = args.rounds or (2 if args.quick else 5)
    epochs = 3 if args.quick else 5

    import keras

    X = make_data(n_rows)
    if args.fixed_cost:
        print_fixed_cost(X, rounds=args.rounds or 3)
        if args.profile:
            print_fit_parts(X, rounds=args.rounds or 3)
        return
    contenders = {
        SKVAE: skvae_contender,
        "(a) keras, plain model.fit": keras_contender(),
        "(b) keras, tuned": keras_contender(**TUNED),
    }
    if args.search:
        for spe in (8, 32, 128):
            for jit in (False, True):
                contenders[f"keras spe={spe} jit={jit}"] = keras_contender(spe, jit)
        contenders["keras spe=32 batch=1024"] = keras_contender(32, False, 1024)
    results = {name: [] for name in contenders}
    peaks = [matmul_peak_gflops()]
    for r in range(rounds):
        # Rotate the order each round so no contender always runs first or last.
        names = list(contenders)
        names = names[r % len(names) :] + names[: r % len(names)]
        for name in names:
            results[name].append(steady_rows_per_s(contenders[name], X, epochs))
        peaks.append(matmul_peak_gflops())
        print(f"round {r + 1}/{rounds} done", file=sys.stderr)
    print_table(results, peaks, n_rows, rounds, epochs, keras.__version__, keras.backend.backend())


def print_fixed_cost(X, rounds):
    """What a later skvae fit costs besides its epochs (validation, scaling, building,
    the data pipeline, the posterior diagnostics and the sampler's statistics after
    training): the median 1-epoch fit minus the per-epoch cost from the medians of 1- and
    5-epoch fits, all after warm-up fits that trace the training steps."""

    def fit_seconds(epochs):
        start = time.perf_counter()
        skvae_estimator(epochs).fit(X)
        return time.perf_counter() - start

    # Warm-up: the KL warm-up's length follows max_iter, so each epoch count has its own
    # compiled step. Then the two alternate, so that the machine's other work hits both.
    times = {1: [], 5: []}
    fit_seconds(1), fit_seconds(5)
    for _ in range(rounds):
        for epochs in times:
            times[epochs].append(fit_seconds(epochs))
    one, five = statistics.median(times[1]), statistics.median(times[5])
    per_epoch = (five - one) / 4
    print(
        f"skvae, later fits of {len(X):,} rows x {X.shape[1]} features (median of {rounds}): "
        f"1 epoch {one:.2f} s, 5 epochs {five:.2f} s; per epoch {per_epoch:.2f} s, "
        f"fixed cost {one - per_epoch:.2f} s"
    )


# The parts of a fit that --profile reports: (module under skvae/, function) of skvae's fit
# template. They overlap: building the model is part of training, and two of the six
# column copies each fall in validation and in the sampler's statistics.
FIT_PARTS = {
    "the whole fit": ("_vae/_base.py", "fit"),
    "training (Keras fit)": ("_nn/_trainer.py", "train_model"),
    "posterior diagnostics": ("_vae/_row_sources.py", "posterior_summary"),
    "validation and scaling": ("_vae/_base.py", "_prepare_rows"),
    "the sampler's statistics": ("_vae/_sampler.py", "_fit_sampler"),
    "building the model": ("_vae/_base.py", "build"),
    "copies of the modelled columns": ("_vae/_model_inputs.py", "_split_columns"),
}


def print_fit_parts(X, rounds):
    """Seconds of each part of a later 1-epoch skvae fit (FIT_PARTS), each the median over
    ``rounds`` profiled fits; cProfile adds its own overhead to every Python call."""
    import cProfile
    import pstats

    seconds = {part: [] for part in FIT_PARTS}
    for _ in range(rounds):
        profile = cProfile.Profile()
        profile.enable()
        skvae_estimator(1).fit(X)
        profile.disable()
        stats = pstats.Stats(profile).stats  # {(file, line, name): (.., .., .., cumtime, ..)}
        for part, (module, name) in FIT_PARTS.items():
            seconds[part].append(
                sum(
                    row[3]
                    for (file, _, function), row in stats.items()
                    if file.endswith(os.path.join("skvae", *module.split("/"))) and function == name
                )
            )
    print(f"parts of a later 1-epoch fit, cProfile, median of {rounds}:")
    for part, values in seconds.items():
        print(f"  {part:32s} {statistics.median(values):6.3f} s")


def median_rates(results):
    """{contender: [median rows/s, median rows/CPU-s, median whole-fit rows/s]} over the
    rounds' (wall, CPU, whole-fit) triples."""
    return {
        name: [statistics.median(v[i] for v in vals) for i in (0, 1, 2)]
        for name, vals in results.items()
    }


def setup_line(n_rows):
    """What was trained: rows, features, network and batch size."""
    return (
        f"Training throughput, {n_rows} rows x {N_FEATURES} features, network "
        f"{N_FEATURES}-{'-'.join(map(str, HIDDEN))}-{N_LATENT}, batch {BATCH}"
    )


def print_table(results, peaks, n_rows, rounds, epochs, keras_version, backend):
    """The throughput table: medians over rounds, GFLOP/s and skvae's ratios."""
    peak = statistics.median(peaks)
    flops_row = 3 * forward_flops_per_row()
    med = median_rates(results)
    sk_wall, sk_cpu, _ = med[SKVAE]
    print(
        f"\n{setup_line(n_rows)}; Keras "
        f"{keras_version}, backend {backend}, {os.cpu_count()} CPU(s), load average "
        f"{os.getloadavg()[0]:.1f} at the end; median of {rounds} interleaved rounds of "
        f"{epochs - 1} steady epochs"
    )
    print(
        f"float32 matmul peak: {peak:.0f} GFLOP/s (min {min(peaks):.0f}, max "
        f"{max(peaks):.0f}); training FLOPs/row ~ {flops_row:,}\n"
    )
    header = (
        f"{'contender':<28} {'rows/s':>9} {'(min..max)':>17} {'rows/CPU-s':>10} "
        f"{'% peak':>6} {'skvae/this wall':>15} {'CPU':>6} {'whole fit':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, values in results.items():
        wall, cpu, whole = med[name]
        walls = [v[0] for v in values]
        print(
            f"{name:<28} {wall:>9,.0f} {min(walls):>8,.0f}..{max(walls):<7,.0f} {cpu:>10,.0f} "
            f"{100 * wall * flops_row / 1e9 / peak:>5.1f}% {sk_wall / wall:>14.2f}x "
            f"{sk_cpu / cpu:>5.2f}x {whole:>10,.0f}"
        )
    tuned_steady = med["(b) keras, tuned"][0]
    print(
        f"\nwhole fit = rows x epochs / seconds of the whole fit() call of a fresh estimator "
        f"or model (build, tracing, data set-up included), the median over rounds (every "
        f"round after the first is a later fit in the process). skvae's whole fit is "
        f"{med[SKVAE][2] / tuned_steady:.2f}x the tuned Keras loop's steady state."
    )


if __name__ == "__main__":
    main()
