"""Linear regression: the gradient of ||X w - y||², set to zero, is the normal equation.

∂/∂w ||X w - y||² = 2 Xᵀ (X w - y) = 0   ⇔   Xᵀ X w = Xᵀ y.

We derive the gradient with symmat, print the derivation, then check the
conclusion with NumPy on random data: the solution of the normal equation
is NumPy's least-squares solution, and the gradient (evaluated by symmat)
vanishes there.

Run:  python examples/linear_regression.py
"""

import numpy as np

from symmat import grad

r = grad("||X w - y||^2", wrt="w")
print("∂/∂w ||X w - y||² =", r)
print("derivation:")
for k, step in enumerate(r.steps, 1):
    print(f"  {k}. {step.text()}")
print("setting it to zero: Xᵀ X w = Xᵀ y (the normal equation)")

rng = np.random.default_rng(0)
X = rng.normal(size=(100, 3))
y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=100)
w_normal = np.linalg.solve(X.T @ X, X.T @ y)
w_lstsq = np.linalg.lstsq(X, y, rcond=None)[0]
gradient = r.evaluate({"X": X, "w": w_normal, "y": y})
print("w from the normal equation:", np.round(w_normal, 6))
print("w from numpy.linalg.lstsq: ", np.round(w_lstsq, 6))
print("same solution:", np.allclose(w_normal, w_lstsq))
print("gradient at the solution is zero:", np.allclose(gradient, 0, atol=1e-9))

ridge = grad("||X w - y||^2 + λ ||w||^2", wrt="w")
print("with ridge penalty: ∂/∂w =", ridge, " ⇒  (Xᵀ X + λ I) w = Xᵀ y")
lam = 0.5
w_ridge = np.linalg.solve(X.T @ X + lam * np.eye(3), X.T @ y)
print("ridge gradient at its solution is zero:",
      np.allclose(ridge.evaluate({"X": X, "w": w_ridge, "y": y, "λ": lam}), 0, atol=1e-9))
