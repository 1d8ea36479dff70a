"""Differentiation: the table of differentials (`differential`), the trace
trick that reads a gradient off df (`tracetrick`), the vec rules that read a
Jacobian off it (`vec`), explicit matrices carried out entry by entry
(`explicit`), and the gradient, Jacobian and Hessian built from them
(`gradient`, `jacobian`). This stage computes; it never prints.

Where is the rule for d det X? `calculus/differential.py`, `d_det`.
"""
