"""The expression tree: frozen nodes with their shape rules (`expr`), shapes
and symbolic sizes (`shapes`, `sizes`), names (`names`), the one walker and
rebuilder (`walk`) and the one way to register a rule table (`rules`).

Every other stage builds on this one; it imports none of them.
"""
