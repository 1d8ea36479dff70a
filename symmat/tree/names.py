"""Names: the Greek tables and the one canonical spelling of a name (SPEC §1.1).

Every stage that takes a name from a user (the parser, `wrt`, the keys of
`evaluate`, declarations) goes through `canonical_name`/`canonical`, so that
``W_{1}``, ``W_1`` and ``W₁`` are one variable and ``lambda`` is ``λ``; the
printers use `GREEK_SPELLED` to spell Greek letters out in ASCII.
"""

import re

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "θ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
GREEK_SPELLED = {v: k for k, v in reversed(list(GREEK.items()))}

_ACCENTS = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar",
            "tilde": "tilde", "widetilde": "tilde"}
_ACCENT_RE = re.compile(r"\\(\w+)\s*\{\s*([A-Za-z])\s*\}")
_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉ϑϕϵ", "0123456789θφε")
_SPELLED_HEAD = re.compile(r"([A-Za-z]+)(.*)", re.S)


def canonical_name(text):
    """The one spelling of a name: subscripts flattened, LaTeX stripped.

    ``W_{1}``, ``W_1``, ``W₁`` → ``W1``; ``X_{train}`` → ``X_train``;
    ``\\lambda`` → ``lambda`` (a spelled Greek name stays spelled; `build`
    maps it); ``\\hat{y}`` → ``y_hat``; a spelled Greek name with a subscript
    becomes Unicode (``theta_1`` → ``θ1``), since `build` maps only bare names.
    """
    t = text.strip()
    m = _ACCENT_RE.fullmatch(t)
    if m and m.group(1) in _ACCENTS:
        return f"{m.group(2)}_{_ACCENTS[m.group(1)]}"
    t = t.lstrip("\\").translate(_SUBSCRIPT_DIGITS)
    base, *subs = t.split("_")
    for sub in subs:
        sub = sub.strip("{}")
        base += sub if sub.isdigit() else "_" + sub
    m = _SPELLED_HEAD.fullmatch(base)
    if m and m.group(2) and m.group(1) in GREEK:
        base = GREEK[m.group(1)] + m.group(2)
    return base



def canonical(text):
    """The name the tree uses for `text`: `canonical_name`, then a spelled Greek name as its letter."""
    name = canonical_name(text)
    return GREEK.get(name, name)
