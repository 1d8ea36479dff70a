"""Backpropagation for a two-layer network, derived instead of memorised.

L = 1/2 ||W2 σ(W1 x + b1) + b2 - y||²,  with W1 4×3 and W2 2×4.
symmat names the hidden layer h = σ(W1 x + b1) and gives
∂L/∂W2 = (ŷ - y) hᵀ  and  ∂L/∂W1 = (W2ᵀ (ŷ - y) ⊙ h ⊙ (1 - h)) xᵀ,  ŷ = W2 h + b2.
NumPy then compares both with a hand-written backward pass.

Run:  python examples/backprop_two_layer.py
"""

import numpy as np

from symmat import grad

loss = "1/2 ||W2 σ(W1 x + b1) + b2 - y||^2"
sizes = "W1: 4x3, W2: 2x4"
dW2 = grad(loss, wrt="W2", where=sizes)
dW1 = grad(loss, wrt="W1", where=sizes)
print("∂L/∂W2 =", dW2)
print("∂L/∂W1 =", dW1)
print()
print("derivation of ∂L/∂W1:")
for k, step in enumerate(dW1.steps, 1):
    print(f"  {k}. {step.text()}")

rng = np.random.default_rng(2)
values = {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=4), "W2": rng.normal(size=(2, 4)),
          "b2": rng.normal(size=2), "x": rng.normal(size=3), "y": rng.normal(size=2)}

# the backward pass as it is written by hand
h = 1 / (1 + np.exp(-(values["W1"] @ values["x"] + values["b1"])))
y_hat = values["W2"] @ h + values["b2"]
delta2 = y_hat - values["y"]
delta1 = (values["W2"].T @ delta2) * h * (1 - h)
print()
print("symmat's ∂L/∂W2 equals the backward pass:", np.allclose(dW2.evaluate(values), np.outer(delta2, h)))
print("symmat's ∂L/∂W1 equals the backward pass:", np.allclose(dW1.evaluate(values), np.outer(delta1, values["x"])))
