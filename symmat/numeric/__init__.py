"""Numbers at the edge (NumPy only): the value of an expression at given
arrays (`evaluate`) and the finite-difference self-check that every result
passes before it is shown (`selfcheck`)."""
