"""Continuous column kinds: standardised values, densities with the scaling's log-Jacobian.

One module per kind; see :mod:`skvae._nn.observations`. ``integer`` sits here because its
values are standardised like the others', but it scores a probability per whole number,
with no log-Jacobian.
"""
