"""Discrete column kinds: 0/1 values and category codes, modelled as they are.

One module per kind; see :mod:`skvae._nn.observations`.
"""
