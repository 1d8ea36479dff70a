"""Reading text into a typed expression (SPEC §1): the first stage of the pipeline.

The modules, in the order a text goes through them:

* `grammar`: ``grammar/symmat.lark`` (the single source of the syntax) and
  lark's LALR parser for it, built once and cached in the user's private
  cache folder (never in a shared one);
* `rawtree`: what each grammar rule builds (`Raw` nodes), which bar opens and
  which closes, how a matrix row splits at spaces;
* `declarations`: ``where`` clauses → one `Decl` per name;
* `juxtapose`: when ``AB`` is one name and when it is ``A B``;
* `typer`, `products` and `build`: kinds, sizes (products of sizes matched
  factor by factor) and frozen nodes;
* `messages`: bad input → one clear error with a caret;
* `parser`: the entry points, which run the steps in order.

The public functions below are what other stages use (the homework checker
reads two texts under one set of declarations with them).
"""

from .build import Limits, reading_notes, typecheck  # noqa: F401
from .declarations import Decl, declarations, merge_declarations, shift_spans  # noqa: F401
from .juxtapose import split_postfix_names  # noqa: F401
from .messages import check_input  # noqa: F401
from .parser import parse_expression, parse_with_info, parse_raw  # noqa: F401
from .rawtree import Raw  # noqa: F401
