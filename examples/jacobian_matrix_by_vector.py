"""A matrix that depends on a vector: F = A diag(x) B, with A 4×3 and B 3×2.

∂F/∂x has three indices (4×2×3). symmat writes it as the 8×3 Jacobian of
vec(F) (column-major), ∂vec(F)/∂vec(x), and as slices ∂F/∂x_k = A e_k e_kᵀ B.
NumPy checks the Jacobian column by column against finite differences.

Run:  python examples/jacobian_matrix_by_vector.py
"""

import numpy as np

from symmat import SymmatError, derivative, verify

try:
    J = derivative("A diag(x) B", wrt="x", where="A: 4x3, B: 3x2")
except (ImportError, NotImplementedError, SymmatError) as e:
    print(f"Jacobians are not available in this version of symmat yet ({e}); skipping.")
    raise SystemExit(0)

print("∂vec(F)/∂vec(x) =", J)
print(f"  ({J.heading()})")
for note in J.notes:
    print(" ", note)
print(verify(J))

rng = np.random.default_rng(3)
A, B, x = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=3)


def vecF(x):
    """vec(A diag(x) B), stacking columns."""
    return (A @ np.diag(x) @ B).flatten(order="F")


fd = np.column_stack([(vecF(x + 1e-6 * e) - vecF(x - 1e-6 * e)) / 2e-6 for e in np.eye(3)])
value = J.evaluate({"A": A, "B": B, "x": x})
print("shape of the Jacobian:", value.shape)
print("Jacobian matches finite differences:", np.allclose(value, fd, atol=1e-6))
