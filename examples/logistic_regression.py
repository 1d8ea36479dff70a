"""Logistic regression: gradient and Hessian of the cross-entropy loss.

L(w) = -1/m Σ [y ⊙ log σ(X w) + (1 - y) ⊙ log(1 - σ(X w))]
∂L/∂w = 1/m Xᵀ (σ(X w) - y),   ∇²L = 1/m Xᵀ diag(σ ⊙ (1 - σ)) X.

symmat derives both; NumPy then checks the gradient against central finite
differences, and a few Newton steps (w ← w − H⁻¹ g) fit random data.

Run:  python examples/logistic_regression.py
"""

import numpy as np

from symmat import grad, hessian

loss = "-1/m sum(y ⊙ log(σ(X w)) + (1 - y) ⊙ log(1 - σ(X w)))"
g = grad(loss, wrt="w")
H = hessian(loss, wrt="w")
print("∂L/∂w =", g)
print("∇²L   =", H)

rng = np.random.default_rng(1)
m = 200
X = rng.normal(size=(m, 3))
y = (rng.uniform(size=m) < 1 / (1 + np.exp(-X @ np.array([2.0, -1.0, 0.5])))).astype(float)


def value(w):
    """The loss itself, for the finite differences."""
    p = 1 / (1 + np.exp(-X @ w))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


w = np.zeros(3)
values = {"X": X, "y": y, "w": w, "m": m}
fd = np.array([(value(w + 1e-6 * e) - value(w - 1e-6 * e)) / 2e-6 for e in np.eye(3)])
print("gradient matches finite differences:", np.allclose(g.evaluate(values), fd, atol=1e-6))

for step in range(6):
    values["w"] = w
    w = w - np.linalg.solve(H.evaluate(values), g.evaluate(values))
    print(f"Newton step {step + 1}: loss = {value(w):.6f}")
values["w"] = w
print("gradient at the optimum is zero:", np.allclose(g.evaluate(values), 0, atol=1e-8))
