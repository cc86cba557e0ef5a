"""Training throughput of ``VAETransformer.fit`` against PyTorch VAEs and VAE libraries.

The same data as ``benchmarks/throughput.py`` (100,000 rows x 50 features from an 8-factor
model with a tanh twist, float32) and, where the contender lets us choose it, the same
network (encoder 50-128-128-(8, 8), decoder 8-128-128-50, ReLU, Adam with learning rate
1e-3, batch 256). Contenders:

- ``skvae (tensorflow)``: ``VAETransformer(hidden_layer_sizes=(128, 128), n_components=8,
  batch_size=256)`` at its default settings otherwise, on the default TensorFlow backend;
- ``skvae (jax)``, ``skvae (torch)``: the same estimator under ``KERAS_BACKEND=jax`` and
  ``KERAS_BACKEND=torch`` (each in a subprocess, since Keras picks its backend at import);
- ``pytorch (plain)``: a hand-written PyTorch VAE in the style of the pytorch/examples VAE
  (``nn.Module``, ``DataLoader(TensorDataset(X), shuffle=True)``, ``optimizer.step()``), with
  skvae's likelihood (Gaussian, one learned log-variance per feature);
- ``pytorch (tuned)``: the same model fed by slicing a tensor with one ``randperm`` per epoch
  instead of a ``DataLoader`` (the fastest plain-PyTorch loop found here; ``torch.compile``
  is tried with ``--compile``);
- ``pythae``: ``pythae.models.VAE`` with the same encoder and decoder modules, trained by
  its ``BaseTrainer`` (pythae's Gaussian reconstruction has a fixed unit variance);
- ``ctgan TVAE``: ``ctgan.TVAE(embedding_dim=8, compress_dims=(128, 128),
  decompress_dims=(128, 128), batch_size=256)``, the tabular VAE of the CTGAN/SDV project.
  It encodes each numeric column with a per-column Bayesian Gaussian mixture first (mode
  one-hot plus a scalar), so its network sees 50 x (1 + modes) inputs, not 50; the time of
  that encoding is reported apart (``prep s``) and is not in its rows/s. It takes
  minutes on 100,000 rows, so TVAE runs in the first round only.

Each contender's steady-state epoch time is the median of its epochs after the first (the
first includes tracing, compilation and warm-up), wall time and process CPU time, and the
table reports the median over interleaved rounds, with skvae's ratios. On a machine shared
with other work the CPU-time column is the one to read.

Needs PyTorch, ``pythae`` and ``ctgan`` (not dependencies of skvae; ``ctgan`` needs
pandas < 3, so use a separate environment)::

    python -m venv /tmp/torch-bench && . /tmp/torch-bench/bin/activate
    pip install -e . torch pythae ctgan jax
    python benchmarks/torch_comparison.py          (about 10 minutes on 2 idle CPU cores)
    python benchmarks/torch_comparison.py --quick  (fewer rows and rounds, ~3 minutes)
    python benchmarks/torch_comparison.py --skip "ctgan TVAE"   (~5 minutes)

Contenders whose package is missing are skipped with a message.
"""

import argparse
import contextlib
import importlib.metadata
import importlib.util
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from throughput import (  # noqa: E402
    BATCH,
    EPOCH_TIMES,
    HIDDEN,
    N_FEATURES,
    N_LATENT,
    make_data,
    median_rates,
    setup_line,
    skvae_contender,
    steady_rates,
)

LOG_2PI = float(np.log(2 * np.pi))
SKVAE = "skvae (tensorflow)"


# -- timing ------------------------------------------------------------------------------
class EpochClock:
    """Records (wall, CPU) seconds of each epoch between ``start()`` and ``stop()``."""

    def __init__(self):
        self.times = []

    def start(self):
        self._t0 = (time.perf_counter(), time.process_time())

    def stop(self):
        wall, cpu = self._t0
        self.times.append((time.perf_counter() - wall, time.process_time() - cpu))

    def steady_rows_per_s(self, n_rows):
        """(rows per wall second, rows per CPU second): median of the epochs after the first."""
        if len(self.times) < 2:
            raise RuntimeError(f"expected at least 2 timed epochs, got {len(self.times)}")
        return steady_rates(self.times, n_rows)


# -- hand-written PyTorch ------------------------------------------------------------------
def build_torch_vae(seed=0):
    """The hand-written PyTorch VAE: skvae's network and Gaussian likelihood."""
    import torch
    from torch import nn

    torch.manual_seed(seed)

    def mlp(sizes, last_activation):
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(nn.Linear(a, b))
            if last_activation or i < len(sizes) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    class TorchVAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = mlp([N_FEATURES, *HIDDEN], last_activation=True)
            self.mean = nn.Linear(HIDDEN[-1], N_LATENT)
            self.log_var = nn.Linear(HIDDEN[-1], N_LATENT)
            self.decoder = mlp([N_LATENT, *reversed(HIDDEN), N_FEATURES], last_activation=False)
            self.x_log_var = nn.Parameter(torch.zeros(N_FEATURES))

        def forward(self, x):
            h = self.body(x)
            mu, lv = self.mean(h), self.log_var(h)
            z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
            x_mean = self.decoder(z)
            log_p = -0.5 * (
                LOG_2PI + self.x_log_var + (x - x_mean) ** 2 * torch.exp(-self.x_log_var)
            )
            rec = -log_p.sum(dim=1)
            kl = 0.5 * (torch.exp(lv) + mu**2 - 1.0 - lv).sum(dim=1)
            return (rec + kl).mean()

    return TorchVAE()


def torch_plain(X, epochs, clock):
    """pytorch/examples style: DataLoader(shuffle=True), zero_grad / backward / step."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    model = build_torch_vae()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(torch.from_numpy(X)), batch_size=BATCH, shuffle=True)
    model.train()
    for _ in range(epochs):
        clock.start()
        for (x,) in loader:
            optimizer.zero_grad()
            loss = model(x)
            loss.backward()
            optimizer.step()
        clock.stop()


def torch_tuned(X, epochs, clock, compile_model=False):
    """Slices of one tensor in a fresh random order each epoch; optionally torch.compile."""
    import torch

    model = build_torch_vae()
    step_model = torch.compile(model) if compile_model else model
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = torch.from_numpy(X)
    generator = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        clock.start()
        order = torch.randperm(len(data), generator=generator)
        for start in range(0, len(data), BATCH):
            optimizer.zero_grad(set_to_none=True)
            loss = step_model(data[order[start : start + BATCH]])
            loss.backward()
            optimizer.step()
        clock.stop()


# -- libraries -------------------------------------------------------------------------------
def pythae_vae(X, epochs, clock):
    """pythae's VAE with the same encoder and decoder networks, its BaseTrainer's loop."""
    import torch
    from pythae.data.datasets import BaseDataset
    from pythae.models import VAE, VAEConfig
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder
    from pythae.trainers import BaseTrainer, BaseTrainerConfig
    from pythae.trainers.training_callbacks import TrainingCallback
    from torch import nn

    torch.manual_seed(0)

    class Encoder(BaseEncoder):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(
                nn.Linear(N_FEATURES, HIDDEN[0]), nn.ReLU(), nn.Linear(*HIDDEN), nn.ReLU()
            )
            self.mean = nn.Linear(HIDDEN[-1], N_LATENT)
            self.log_var = nn.Linear(HIDDEN[-1], N_LATENT)

        def forward(self, x):
            h = self.body(x)
            return ModelOutput(embedding=self.mean(h), log_covariance=self.log_var(h))

    class Decoder(BaseDecoder):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(
                nn.Linear(N_LATENT, HIDDEN[1]),
                nn.ReLU(),
                nn.Linear(HIDDEN[1], HIDDEN[0]),
                nn.ReLU(),
                nn.Linear(HIDDEN[0], N_FEATURES),
            )

        def forward(self, z):
            return ModelOutput(reconstruction=self.body(z))

    class Clock(TrainingCallback):
        def on_epoch_begin(self, training_config, **kwargs):
            clock.start()

        def on_epoch_end(self, training_config, **kwargs):
            clock.stop()

    config = VAEConfig(input_dim=(N_FEATURES,), latent_dim=N_LATENT, reconstruction_loss="mse")
    model = VAE(config, encoder=Encoder(), decoder=Decoder())
    data = BaseDataset(torch.from_numpy(X), torch.zeros(len(X)))
    with tempfile.TemporaryDirectory() as out, contextlib.redirect_stdout(io.StringIO()):
        training = BaseTrainerConfig(
            output_dir=out,
            num_epochs=epochs,
            learning_rate=1e-3,
            per_device_train_batch_size=BATCH,
            no_cuda=True,
        )
        BaseTrainer(model, data, training_config=training, callbacks=[Clock()]).train()


def ctgan_tvae(X, epochs, clock):
    """ctgan's TVAE at our network sizes; its per-column encoding is timed apart.

    Returns the seconds of that encoding (DataTransformer fit + transform).
    """
    import pandas as pd
    from ctgan import TVAE
    from ctgan.synthesizers import tvae as tvae_module

    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    prep = {}

    class TimedTransformer(tvae_module.DataTransformer):
        def fit(self, *args, **kwargs):
            t0 = time.perf_counter()
            super().fit(*args, **kwargs)
            prep["fit"] = time.perf_counter() - t0

        def transform(self, *args, **kwargs):
            t0 = time.perf_counter()
            out = super().transform(*args, **kwargs)
            prep["transform"] = time.perf_counter() - t0
            return out

    def clocked_epochs(iterable, **kwargs):
        # TVAE.fit runs ``for i in tqdm(range(epochs))``: time each pass of that loop.
        for i in iterable:
            clock.start()
            yield i
            clock.stop()

    saved = tvae_module.DataTransformer, tvae_module.tqdm
    tvae_module.DataTransformer, tvae_module.tqdm = TimedTransformer, clocked_epochs
    try:
        TVAE(
            embedding_dim=N_LATENT,
            compress_dims=HIDDEN,
            decompress_dims=HIDDEN,
            batch_size=BATCH,
            epochs=epochs,
            enable_gpu=False,
        ).fit(frame)
    finally:
        tvae_module.DataTransformer, tvae_module.tqdm = saved
    return prep["fit"] + prep["transform"]


def skvae_in_process(X, epochs, clock):
    """skvae under the current Keras backend, its epochs timed by throughput's callback."""
    EPOCH_TIMES.clear()
    skvae_contender(X, epochs)
    clock.times.extend(EPOCH_TIMES)


def torch_compiled(X, epochs, clock):
    """The tuned loop on ``torch.compile(model)`` (its first epoch includes compilation)."""
    torch_tuned(X, epochs, clock, compile_model=True)


# Every contender runs in a fresh worker process: Keras fixes its backend at import, and
# TensorFlow and torch.compile's LLVM cannot share a process. (name, Keras backend, fit).
CONTENDERS = {
    SKVAE: ("tensorflow", skvae_in_process),
    "skvae (jax)": ("jax", skvae_in_process),
    "skvae (torch)": ("torch", skvae_in_process),
    "pytorch (plain)": (None, torch_plain),
    "pytorch (tuned)": (None, torch_tuned),
    "pytorch (torch.compile)": (None, torch_compiled),
    "pythae": (None, pythae_vae),
    "ctgan TVAE": (None, ctgan_tvae),
}
# Run in the first round only: its per-column encoding of 100,000 rows takes minutes.
ONE_ROUND = {"ctgan TVAE"}
NEEDS = {"skvae (jax)": "jax", "skvae (torch)": "torch", "pythae": "pythae", "ctgan TVAE": "ctgan"}


def run_in_worker(name, X, epochs):
    """(epoch times, preprocessing seconds or None) of one contender's fit in a worker."""
    backend = CONTENDERS[name][0]
    env = dict(os.environ, KERAS_BACKEND=backend or "tensorflow", JAX_PLATFORMS="cpu")
    with tempfile.NamedTemporaryFile(suffix=".npy") as f:
        np.save(f.name, X)
        done = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--worker", name, f.name, str(epochs)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["times"], result["prep"]


def _worker(name, path, epochs):
    clock = EpochClock()
    with contextlib.redirect_stdout(io.StringIO()):
        prep = CONTENDERS[name][1](np.load(path), int(epochs), clock)
    print(json.dumps({"times": clock.times, "prep": prep}))


def _available(module):
    return importlib.util.find_spec(module) is not None


def contenders(compile_model=False):
    """The contenders to run, and a line for each one skipped."""
    found, missing = [], []
    has_torch = _available("torch")
    for name in CONTENDERS:
        module = NEEDS.get(name, "torch" if name.startswith("pytorch") else None)
        if name == "pytorch (torch.compile)" and not compile_model:
            continue
        if (
            module == "torch"
            and not has_torch
            or module
            and module != "torch"
            and not (has_torch and _available(module))
        ):
            missing.append(f"{name}: {module} (or torch) is not installed")
        else:
            found.append(name)
    return found, missing


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows and rounds")
    parser.add_argument("--compile", action="store_true", help="also time torch.compile")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument(
        "--skip", action="append", default=[], metavar="NAME", help="leave out a contender"
    )
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(*args.worker)
    n_rows = args.rows or (30_000 if args.quick else 100_000)
    rounds = args.rounds or (2 if args.quick else 3)
    epochs = 3 if args.quick else 4

    X = make_data(n_rows)
    found, missing = contenders(args.compile)
    found = [name for name in found if name not in args.skip]
    for line in missing:
        print(f"skipped {line}", file=sys.stderr)
    results = {name: [] for name in found}
    prep_seconds = []
    for r in range(rounds):
        names = list(found)
        names = names[r % len(names) :] + names[: r % len(names)]
        for name in names:
            if name in ONE_ROUND and results[name]:
                continue
            clock = EpochClock()
            clock.times, prep = run_in_worker(name, X, epochs)
            if prep is not None:
                prep_seconds.append(prep)
            results[name].append(clock.steady_rows_per_s(n_rows))
            wall, cpu = results[name][-1]
            print(
                f"round {r + 1}/{rounds}: {name}: {wall:,.0f} rows/s, {cpu:,.0f} rows/CPU-s",
                file=sys.stderr,
                flush=True,
            )
    print_table(results, prep_seconds, n_rows, rounds, epochs)


def print_table(results, prep_seconds, n_rows, rounds, epochs):
    """Medians over rounds, and skvae's ratios to each contender."""
    versions = []
    for package in ("keras", "tensorflow", "jax", "torch", "pythae", "ctgan"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{package} {importlib.metadata.version(package)}")
    med = median_rates(results)
    sk_wall, sk_cpu = med[SKVAE]
    print(
        f"\n{setup_line(n_rows)}; {', '.join(versions)}; {os.cpu_count()} CPU(s), load average "
        f"{os.getloadavg()[0]:.1f} at the end; median of {rounds} interleaved rounds of "
        f"{epochs - 1} steady epochs (ctgan TVAE: one round)\n"
    )
    header = (
        f"{'contender':<24} {'rows/s':>9} {'rows/CPU-s':>10} {'skvae/this wall':>15} "
        f"{'CPU':>6} {'prep s':>7}"
    )
    print(header)
    print("-" * len(header))
    for name in results:
        wall, cpu = med[name]
        prep = f"{statistics.median(prep_seconds):7.1f}" if name == "ctgan TVAE" else ""
        print(
            f"{name:<24} {wall:>9,.0f} {cpu:>10,.0f} {sk_wall / wall:>14.2f}x "
            f"{sk_cpu / cpu:>5.2f}x {prep}"
        )


if __name__ == "__main__":
    main()
