"""The subcommands of the ``skvae`` command line, one function each.

Each takes the parsed arguments (see :func:`skvae._cli._parser.build_parser`), reads its
tables and model with :mod:`skvae._cli._io`, and raises :class:`CLIError` for a failure
the user can fix. pandas, skvae's estimators and Keras are imported inside the commands,
so ``skvae --help`` does not wait for them.
"""

import sys

from skvae._cli._conditions import parse_conditions
from skvae._cli._io import (
    APPLY_HINT,
    ESTIMATORS,
    KEEPS_INTEGER_COLUMNS,
    CLIError,
    describe_columns,
    load_model,
    read_raw_table,
    read_table,
    write_table,
)
from skvae._cli._unseen import check_known_categories


def _split(text):
    return [item.strip() for item in text.split(",") if item.strip()] if text else None


def cmd_fit(args):
    """``skvae fit``: fit an estimator on a table and save it; Ctrl-C stops it early."""
    import skvae

    # Imports Keras: only once a fit is really going to run.
    from skvae._cli._interrupt import first_interrupt_stops_training

    data = read_table(
        args.data,
        _split(args.columns),
        _split(args.categorical) or [],
        infer=True,
        numeric=_split(args.numeric) or [],
        na_values=_split(args.na_values),
    )
    categorical = [name for name in data.columns if data[name].dtype == object]
    cls = getattr(skvae, ESTIMATORS[args.estimator])
    likelihood = args.likelihood or cls().likelihood
    column_types = {name: "categorical" for name in categorical} or None
    # What will be modelled how, before the (possibly long) fit starts.
    integer_kind = None if args.estimator in KEEPS_INTEGER_COLUMNS else "integer"
    print(describe_columns(data, likelihood, column_types, integer_kind), file=sys.stderr)
    params = dict(
        likelihood=likelihood,
        column_types=column_types,
        n_components_lower=args.n_components_lower,
        beta=args.beta,
        free_bits=args.free_bits,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        early_stopping=args.early_stopping,
        condition_on=_split(args.condition_on),
        handle_unknown=args.handle_unknown,
        random_state=args.random_state,
        # A live bar on a terminal, one line per epoch in a log (--progress in a pipe).
        verbose=(1 if sys.stdout.isatty() else 2) if args.progress else 0,
    )
    # Unless given, the estimator's own defaults (the imputer's differ from the others').
    if args.hidden is not None:
        params["hidden_layer_sizes"] = args.hidden  # a tuple (skvae._cli._parser)
    if args.n_components is not None:
        params["n_components"] = args.n_components
    if args.max_iter is not None:
        params["max_iter"] = args.max_iter
    if args.kl_warmup is not None:
        params["kl_warmup"] = args.kl_warmup
    if args.estimator == "detector":
        params["contamination"] = args.contamination  # auto or a float (the parser's)
    with first_interrupt_stops_training() as (stop, callback):
        try:
            model = cls(**params).fit(data, callbacks=[callback])
        except KeyboardInterrupt:
            raise CLIError("interrupted: nothing was written") from None
        except ValueError as error:
            raise CLIError(f"{args.data}: {error}") from error
    skvae.save(model, args.output)
    stopped = "stopped by Ctrl-C after" if stop.is_set() else "in"
    print(
        f"fitted {type(model).__name__} on {len(data)} rows x {data.shape[1]} columns "
        f"{stopped} {model.n_iter_} epochs; final loss {model.history_['loss'][-1]:.3f}; "
        f"saved to {args.output}"
    )


def _model_categorical(model):
    """Columns whose categories are text: the table keeps them as they are."""
    return [
        name
        for name, categories in zip(model.feature_names_in_, model.categories_, strict=True)
        if categories is not None and categories.dtype == object
    ]


def _apply(args, kind, method):
    model = load_model(args.model, kind)
    data = read_table(
        args.data,
        list(model.feature_names_in_),
        _model_categorical(model),
        hint=APPLY_HINT,
        na_values=_split(args.na_values),
    )
    check_known_categories(model, data, args.data)
    try:
        return model, data, getattr(model, method)(data)
    except ValueError as error:
        raise CLIError(f"{args.data}: {error}") from error


def cmd_transform(args):
    """``skvae transform``: write the latent means of each row, for any model (``encode``:
    a transformer's ``transform``; a detector has none, and an imputer's fills rows)."""
    import pandas as pd

    model, _, Z = _apply(args, None, "encode")
    prefix = type(model).__name__.lower()  # as get_feature_names_out names them
    write_table(pd.DataFrame(Z, columns=[f"{prefix}{j}" for j in range(Z.shape[1])]), args.output)


def cmd_inverse(args):
    """``skvae inverse``: decode a table of latents into rows (``decode``, for any model:
    a transformer's ``inverse_transform``)."""
    import pandas as pd

    model = load_model(args.model)
    hint = "LATENTS holds latent coordinates, numbers as `skvae transform` writes them"
    latents = read_table(args.data, hint=hint).to_numpy()
    conditions = parse_conditions(args.conditions, model, "inverse")
    try:
        rows = model.decode(latents, conditions=conditions)
    except ValueError as error:
        raise CLIError(f"{args.data}: {error}") from error
    write_table(pd.DataFrame(rows, columns=model.feature_names_in_), args.output)


def cmd_sample(args):
    """``skvae sample``: generate new rows."""
    import pandas as pd

    model = load_model(args.model)
    conditions = parse_conditions(args.conditions, model, "sample")
    try:
        rows = model.sample(args.n_samples, random_state=args.random_state, conditions=conditions)
    except ValueError as error:
        raise CLIError(str(error)) from error
    write_table(pd.DataFrame(rows, columns=model.feature_names_in_), args.output)


def cmd_score(args):
    """``skvae score``: print the mean log-likelihood; with -o, write it per row."""
    import pandas as pd

    _, _, scores = _apply(args, None, "score_samples")
    print(f"mean log-likelihood: {scores.mean():.4f} nats per row over {len(scores)} rows")
    if args.output:
        write_table(pd.DataFrame({"log_likelihood": scores}), args.output)


def cmd_impute(args):
    """``skvae impute``: fill the missing cells with an imputer's model; the file's other
    columns (an identifier left out of the fit) come back as they were, in their places."""
    import pandas as pd

    model, _, filled = _apply(args, "imputer", "transform")
    filled = pd.DataFrame(filled, columns=model.feature_names_in_)
    table = read_raw_table(args.data)
    for name in filled.columns:
        table[name] = filled[name].to_numpy()
    write_table(table, args.output)


def cmd_detect(args):
    """``skvae detect``: write a detector's outlier labels (1, -1) and decision scores."""
    import pandas as pd

    model, data, decision = _apply(args, "detector", "decision_function")
    labels = (decision >= 0).astype(int) * 2 - 1
    print(f"{int((labels == -1).sum())} of {len(labels)} rows flagged as outliers")
    write_table(pd.DataFrame({"label": labels, "decision": decision}), args.output)


def cmd_report(args):
    """``skvae report``: write an HTML page of plots and key numbers."""
    import pandas as pd

    model = load_model(args.model)
    names = getattr(model, "feature_names_in_", None)
    na_values = _split(args.na_values)
    if names is None:
        data = read_table(args.data, na_values=na_values)
    else:
        # As the other commands read it: the model's text columns stay categories.
        data = read_table(args.data, list(names), _model_categorical(model), na_values=na_values)
        check_known_categories(model, data, args.data)
    labels = None
    if args.label:
        # Read as it is: labels may be words, which read_table would reject.
        table = (
            pd.read_parquet(args.data)
            if args.data.endswith(".parquet")
            else pd.read_csv(args.data, na_values=na_values)
        )
        if args.label not in table.columns:
            raise CLIError(
                f"{args.data}: no column {args.label!r} for --label; the file has "
                f"{list(table.columns)}"
            )
        labels = table[args.label].to_numpy()
    image_shape = None
    if args.image_shape:
        try:
            image_shape = tuple(int(size) for size in _split(args.image_shape))
        except ValueError:
            raise CLIError(
                f"--image-shape must be HEIGHT,WIDTH, e.g. 8,8; got {args.image_shape!r}"
            ) from None
    from skvae.plot import report

    try:
        report(model, data, args.output, y=labels, image_shape=image_shape, title=args.title)
    except ImportError as error:
        raise CLIError(str(error)) from error
    except ValueError as error:
        raise CLIError(f"{args.data}: {error}") from error
    print(f"wrote {args.output}: a report on {len(data)} rows of {args.data}")


def cmd_demo(args):
    """``skvae demo`` (and ``skvae`` alone): the digits comparison with PCA and FA."""
    # Looked up when run (scikit-learn's datasets load only for the demo; tests replace
    # these functions on the module).
    from skvae._cli._demo import format_table, run_demo

    rows = run_demo(args.n_components, args.max_iter, args.random_state)
    print(format_table(rows, args.n_components))
