"""Reading text into a typed expression (SPEC §1).

`parser` runs the grammar (`grammar/symmat.lark`, the single source of the
syntax) and builds a raw tree; `build` gives every name its kind, splits
juxtaposed letters, unifies sizes and constructs the frozen nodes of `tree`.
"""

from .build import Limits  # noqa: F401
from .parser import parse_expression, parse_with_info  # noqa: F401
