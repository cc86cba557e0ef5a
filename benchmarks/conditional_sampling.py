"""Generation under given column values on palmerpenguins: ``sample(conditions={...})``
against rejection of unconditional samples, against two halves of the real rows.

Protocol: the 333 complete penguins without ``year`` (``species``, ``island`` and ``sex``
categorical), one ``VAETransformer(random_state=0)`` fitted on all of them (defaults;
``--n-components K`` sets the latent width instead). For each condition (species Gentoo,
species Chinstrap, island Dream and sex male):

- ``conditions=``: ``sample(500, random_state=0, conditions=condition)``, every row of
  which meets the condition (the defaults: z's distribution is the aggregate posterior,
  the marginals calibrated, as for unconditional draws);
- the same with ``latent="prior", marginals="model"``: the raw model's p(x_rest |
  x_given) under the prior, what ``conditions=`` drew before 2026-12-07;
- rejection: the rows that meet the condition among ``sample(5000, random_state=0)``
  (unconditional draws, calibrated marginals; the share accepted is printed);
- real halves: the real rows that meet the condition, split in two at random
  (``numpy.random.default_rng(0)``), one half against the other: the sampling noise.

Each is compared with the real rows that meet the condition over the other columns by
:func:`skvae.metrics.marginal_distances` (KS for numbers, total variation for
categories): the mean and the worst column. docs/conditional.rst has the table.

``--condition-on``: array conditions of a conditional model instead. On penguins
(``condition_on="species"``), wine and breast_cancer (their class as a categorical
column, ``condition_on="label"``), ``VAETransformer(condition_on=[label],
random_state=seed)`` for seeds 0, 1 and 2; for each class ``sample(500,
random_state=0, conditions=[class])`` with the default marginals and with
``marginals="model"`` (what array conditions drew before 2026-12-07), each compared with
the real rows of the class as above, and the real rows' halves. It prints, over the
classes and seeds, the mean, median and worst of the mean column distance, the worst
column, and the share of generated numeric values outside their column's training range.

Run:  python benchmarks/conditional_sampling.py          (about 1 minute on 2 CPU cores)
      python benchmarks/conditional_sampling.py --n-components 2
      python benchmarks/conditional_sampling.py --condition-on   (about 6 minutes)
"""

import argparse
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

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


def labelled_tables():
    """(name, frame, label column) of the --condition-on tables."""
    from sklearn.datasets import load_breast_cancer, load_wine

    yield "penguins", penguins(), "species"
    for name, loader in (("wine", load_wine), ("breast_cancer", load_breast_cancer)):
        frame = loader(as_frame=True).frame.rename(columns={"target": "label"})
        frame["label"] = pd.Categorical(frame["label"])
        yield name, frame, "label"


def outside_range(frame, rows, columns):
    """Share of the numeric values of ``rows`` outside their column's range in ``frame``."""
    numeric = [c for c in columns if pd.api.types.is_numeric_dtype(frame[c])]
    low, high = frame[numeric].min(), frame[numeric].max()
    return float(((rows[numeric] < low) | (rows[numeric] > high)).to_numpy().mean())


def summary(values):
    values = np.asarray(values)
    return f"{values.mean():.3f} / {np.median(values):.3f} / {values.max():.3f}"


def condition_on_table():
    """The --condition-on measurement (see the module docstring)."""
    print(
        "| table | contender | mean distance: mean / median / worst | worst column: "
        "mean / median / worst | outside the training range |"
    )
    print("|---|---|---|---|---|")
    for name, frame, label in labelled_tables():
        columns = [c for c in frame.columns if c != label]
        cells = {"default": [], 'marginals="model"': [], "real halves": []}
        for seed in (0, 1, 2):
            vae = VAETransformer(condition_on=[label], random_state=seed).fit(frame)
            for value in frame[label].cat.categories:
                real = frame[frame[label] == value]
                for contender, marginals in (("default", "auto"), ('marginals="model"', "model")):
                    rows = vae.sample(
                        N_CONDITIONAL, random_state=0, conditions=[value], marginals=marginals
                    )
                    cells[contender].append(
                        distances(real, rows, columns) + (outside_range(frame, rows, columns),)
                    )
                if seed == 0:
                    order = np.random.default_rng(0).permutation(len(real))
                    half = len(real) // 2
                    halves = real.iloc[order[:half]], real.iloc[order[half:]]
                    cells["real halves"].append(distances(*halves, columns) + (0.0,))
        for contender, values in cells.items():
            mean, worst, outside = np.array(values).T
            print(
                f"| {name} | {contender} | {summary(mean)} | {summary(worst)} | "
                f"{outside.mean():.4f} |"
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-components", type=int, help="latent width (default: the default)")
    parser.add_argument(
        "--condition-on", action="store_true", help="array conditions of condition_on models"
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.condition_on:
        condition_on_table()
        return
    data = penguins()
    params = {} if args.n_components is None else {"n_components": args.n_components}
    vae = VAETransformer(random_state=0, **params).fit(data)
    pool = vae.sample(N_POOL, random_state=0)
    print(f"VAETransformer(random_state=0, **{params}): n_components_={vae.n_components_}\n")
    print(
        '| condition (real rows) | conditions= (share) | latent="prior", marginals="model" '
        "| rejection (share) | real halves |"
    )
    print("|---|---|---|---|---|")
    for condition in CONDITIONS:
        real = data[meets(data, condition)]
        rest = [c for c in data.columns if c not in condition]
        generated = vae.sample(N_CONDITIONAL, random_state=0, conditions=condition)
        raw = vae.sample(
            N_CONDITIONAL,
            random_state=0,
            conditions=condition,
            latent="prior",
            marginals="model",
        )
        accepted = meets(pool, condition)
        order = np.random.default_rng(0).permutation(len(real))
        half = len(real) // 2
        halves = real.iloc[order[:half]], real.iloc[order[half:]]
        cells = [
            distances(real, generated, rest) + (meets(generated, condition).mean(),),
            distances(real, raw, rest) + (meets(raw, condition).mean(),),
            distances(real, pool[accepted], rest) + (accepted.mean(),),
        ]
        mean_h, worst_h = distances(*halves, rest)
        name = " and ".join(f"{k} {v}" for k, v in condition.items())
        row = [f"{mean:.3f}, worst {worst:.3f} ({share:.2f})" for mean, worst, share in cells]
        print(
            f"| {name} ({len(real)}) | {row[0]} | {row[1]} | {row[2]} | "
            f"{mean_h:.3f}, worst {worst_h:.3f} |"
        )


if __name__ == "__main__":
    main()
