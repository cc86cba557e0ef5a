"""Generation under given column values on palmerpenguins: ``sample(conditions={...})``
against rejection of unconditional samples, against two halves of the real rows.

Protocol: the 333 complete penguins without ``year`` (``species``, ``island`` and ``sex``
categorical), one ``VAETransformer(random_state=0)`` fitted on all of them (defaults;
``--n-components K`` sets the latent width instead). For each condition (species Gentoo,
species Chinstrap, island Dream and sex male):

- ``conditions=``: ``sample(500, random_state=0, conditions=condition)``, every row of
  which meets the condition;
- rejection: the rows that meet the condition among ``sample(5000, random_state=0)``
  (unconditional draws, calibrated marginals; the share accepted is printed);
- real halves: the real rows that meet the condition, split in two at random
  (``numpy.random.default_rng(0)``), one half against the other: the sampling noise.

Each is compared with the real rows that meet the condition over the other columns by
:func:`skvae.metrics.marginal_distances` (KS for numbers, total variation for
categories): the mean and the worst column. docs/conditional.rst has the table.

Run:  python benchmarks/conditional_sampling.py          (about 20 s on 2 CPU cores)
      python benchmarks/conditional_sampling.py --n-components 2
"""

import argparse
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from skvae import VAETransformer  # noqa: E402
from skvae.metrics import marginal_distances  # noqa: E402

CONDITIONS = (
    {"species": "Gentoo"},
    {"species": "Chinstrap"},
    {"island": "Dream", "sex": "male"},
)
N_CONDITIONAL, N_POOL = 500, 5000


def penguins():
    from palmerpenguins import load_penguins

    frame = load_penguins().dropna().drop(columns="year").reset_index(drop=True)
    for name in ("species", "island", "sex"):
        frame[name] = frame[name].astype("category")
    return frame


def meets(frame, condition):
    """Rows of ``frame`` whose columns hold the condition's values."""
    mask = np.ones(len(frame), dtype=bool)
    for name, value in condition.items():
        mask &= (frame[name].astype(str) == value).to_numpy()
    return mask


def distances(real, rows, columns):
    """Mean and worst marginal distance of ``rows`` to ``real`` over ``columns``."""
    d = marginal_distances(
        real[columns].reset_index(drop=True), rows[columns].reset_index(drop=True)
    )
    return float(d.mean()), float(d.max())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-components", type=int, help="latent width (default: the default)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    data = penguins()
    params = {} if args.n_components is None else {"n_components": args.n_components}
    vae = VAETransformer(random_state=0, **params).fit(data)
    pool = vae.sample(N_POOL, random_state=0)
    print(f"VAETransformer(random_state=0, **{params}): n_components_={vae.n_components_}\n")
    print("| condition (real rows) | conditions= (share) | rejection (share) | real halves |")
    print("|---|---|---|---|")
    for condition in CONDITIONS:
        real = data[meets(data, condition)]
        rest = [c for c in data.columns if c not in condition]
        generated = vae.sample(N_CONDITIONAL, random_state=0, conditions=condition)
        accepted = meets(pool, condition)
        order = np.random.default_rng(0).permutation(len(real))
        half = len(real) // 2
        halves = real.iloc[order[:half]], real.iloc[order[half:]]
        cells = [
            distances(real, generated, rest) + (meets(generated, condition).mean(),),
            distances(real, pool[accepted], rest) + (accepted.mean(),),
        ]
        mean_h, worst_h = distances(*halves, rest)
        name = " and ".join(f"{k} {v}" for k, v in condition.items())
        row = [f"{mean:.3f}, worst {worst:.3f} ({share:.2f})" for mean, worst, share in cells]
        print(f"| {name} ({len(real)}) | {row[0]} | {row[1]} | {mean_h:.3f}, worst {worst_h:.3f} |")


if __name__ == "__main__":
    main()
