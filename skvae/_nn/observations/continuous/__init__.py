"""Continuous column kinds: standardised values, densities with the scaling's log-Jacobian.

One module per kind; see :mod:`skvae._nn.observations`.
"""
