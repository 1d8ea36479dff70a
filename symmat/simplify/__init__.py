"""Simplification: rewrite rules per node type, run bottom-up to a fixed point.

The only stage that rewrites (SPEC §2, "the forms a textbook prints").
`core` holds the strategy (`Simplifier`, the budget and deadline) and the
rules for sums, products, transposes, inverses and functions; `rational`
the element-wise rational-function cancellation; `kronecker` the Kronecker,
vec and commutation identities. Importing this package registers all of
them, in that order (a rule table is applied in registration order).
"""

from .core import (BUDGET, DEADLINE, RULES, is_negative, mk_add, mk_mul, rule, scalar_part, scale,  # noqa: F401
                   simplify, size, split_coef)
from . import rational, kronecker  # noqa: F401,E402  (register their rules after the core ones)
