"""Checking a claimed derivative, as a teacher would (SPEC §5): algebraically
equal answers are right; a wrong one gets a counterexample and a diagnosis."""

from .checker import check  # noqa: F401
from .derivation import check_derivation  # noqa: F401
