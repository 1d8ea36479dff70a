"""Simplification: rewrite rules per node type, run bottom-up to a fixed point.

The only stage that rewrites (SPEC §2, "the forms a textbook prints").
`strategy` holds the rule tuples per node type, the `Simplifier` (budget and
deadline) and `simplify`; `terms` the canonical builders every rule uses
(`scale`, `mk_mul`, `mk_add`); the rules live by topic: `products`, `sums`,
`transposes` (and inverses), `functions` (element-wise and reductions),
`rational` (element-wise cancellation), `kronecker` (Kronecker, vec and
commutation identities).
"""

from .strategy import BUDGET, DEADLINE, RULES, SHARED, Simplifier, simplify  # noqa: F401
from .terms import is_negative, mk_add, mk_mul, scalar_part, scale, size, split_coef  # noqa: F401
