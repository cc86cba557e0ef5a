"""The user's table in and out of the models: column kinds inferred from dtypes, coding
of categories and booleans, internal scaling, and the encoding of condition columns.
Nothing here imports Keras."""
