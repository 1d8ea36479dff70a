r"""Reading a student's derivation: lines of text → numbered steps `lhs = rhs`.

What this decides: which text is formula and which is decoration. A pasted
`align` block loses its `$`, `&`, `\\`, `\begin…`/`\end…`, `\text{…}`,
`\quad` and `\tag{…}`; a rule written after a formula in parentheses
(`(product rule)`, `(df = gᵀ dx)`) is an annotation, recognised by an `=` or
an English word inside it. A line may hold several `= …` steps (all get its
number). The left-hand side says what a step is: the function (`f`), its
differential (`df`, `d f`, `\mathrm{d}f`, `d(f)`, `d vec(F)`), the
differential of the gradient (`d(∇f)`, `dG`), the answer (`∂f/∂x`,
`\partial f/\partial x`, `\frac{\partial f}{\partial x}`, `df/dx`), the
gradient (`∇f`, `\nabla f`, `grad`, `G`), the Hessian (`∇²f`, `H`,
`∂²f/∂x∂xᵀ`), or a name for a part (`h = σ(W1 x + b1)`). Differentials of the
variable (`dX`, `d X`, `\mathrm{d}X`, `d(X)`) become a placeholder name that
the grammar reads as one variable; `checking.derivation` types it as dX.
"""

import re
from dataclasses import dataclass

from ..errors import ParseError
from ..tree.names import GREEK

PLACEHOLDER = "dd_0"
FUNCTION_WORDS = {"tr", "det", "log", "exp", "sym", "diag", "vec", "sum", "sqrt", "softmax", "logsumexp",
                  "sigmoid", "relu", "tanh", "sin", "cos", "tan", "mean", "inv", "logdet", "softplus", "abs",
                  "sign", "step", "ones", "trace", "unvec", "kron", "frac", "left", "right", "top", "odot",
                  "otimes", "mathbf", "operatorname", "mathrm", "sigma", "lambda", "alpha", "beta", "gamma",
                  "delta", "theta", "mu", "nu", "rho", "tau", "phi", "psi", "omega", "epsilon", "eta",
                  "kappa", "xi", "zeta", "chi", "partial", "nabla", "cdot", "times", "hat", "bar", "tilde",
                  "Sigma", "Lambda", "Omega", "Theta", "Phi", "Psi", "Gamma", "Delta", "Pi", "pi"}
DECORATION = [r"\\begin\{[^}]*\}", r"\\end\{[^}]*\}", r"\\(?:text|textrm|textit|mbox|tag|label)\{[^{}]*\}",
              r"\\(?:quad|qquad|nonumber|notag|displaystyle)\b", r"\\[,;:! ]", r"\\\[", r"\\\]", r"\\\\",
              r"[$&]"]
ARROWS = r"^\s*(?:⇒|=>|⟹|\\Rightarrow|\\implies|\\therefore|∴|so|hence|thus|therefore)\s*"


@dataclass
class Segment:
    """One step as read: its line number (from 1), what its left side is, and the formula text."""

    number: int
    kind: str          # value, d, dgrad, answer, grad, hess, name, none
    rhs: str
    lhs: str = ""
    name: str = None   # the name defined by a `name` step


def _without_commands(line, names=("text", "textrm", "textit", "mbox", "tag", "label")):
    """The line without \\text{…} and the like (their braces balanced)."""
    out, i = [], 0
    pattern = re.compile(r"\\(?:" + "|".join(names) + r")\s*\{")
    while True:
        m = pattern.search(line, i)
        if not m:
            out.append(line[i:])
            return "".join(out)
        out.append(line[i:m.start()])
        depth, j = 1, m.end()
        while j < len(line) and depth:
            depth += {"{": 1, "}": -1}.get(line[j], 0)
            j += 1
        i = j


def _undecorated(line):
    """The line without LaTeX layout, comments and a trailing annotation in parentheses."""
    line = _without_commands(re.sub(r"(?<!\\)%.*$", "", line))
    for pattern in DECORATION:
        line = re.sub(pattern, " ", line)
    return _without_annotation(line).strip()


def _without_annotation(line):
    """A trailing '(…)' that holds an '=' or an English word is a rule, not math."""
    m = re.search(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*$", line)
    if not m or not line[:m.start()].strip() or "=" not in line[:m.start()]:
        return line
    inside = m.group(1)
    if re.search(r"\s{3,}$", line[:m.start()]):   # symmat's own layout: the rule three spaces after the formula
        return line[:m.start()]
    words = [w for w in re.findall(r"(?<![\w\\])[A-Za-z]{3,}(?![\w(])", inside) if w not in FUNCTION_WORDS]
    if "=" in inside or words or re.search(r"\beq\.", inside):
        return line[:m.start()]
    return line


def spellings(name):
    """The ways a variable's name may be written: W1, W_1, W_{1}; λ, lambda, \\lambda."""
    out = {name}
    m = re.fullmatch(r"([A-Za-z]+)_?\{?(\d+)\}?", name)
    if m:
        base, k = m.groups()
        out |= {f"{base}{k}", f"{base}_{k}", f"{base}_{{{k}}}"}
    for spelled, letter in GREEK.items():
        if letter == name or spelled == name:
            out |= {spelled, letter, "\\" + spelled}
    return sorted(out, key=len, reverse=True)


def mark_differentials(text, wrt):
    """dX, d X, \\mathrm{d}X, d(X) of the variable `wrt` → the placeholder name."""
    names = "|".join(re.escape(s) for s in spellings(wrt))
    d = r"(?:\\mathrm\{d\}|\\operatorname\{d\}|\{\\rm d\}|(?<![A-Za-z0-9_\\])d)"
    text = re.sub(rf"{d}\s*\(\s*(?:{names})\s*\)", f" {PLACEHOLDER}", text)
    return re.sub(rf"{d}\s*(?:{names})(?![A-Za-z0-9_])", f" {PLACEHOLDER}", text)


_ANSWER = [r"^(?:∂|\\partial)\s*\^?\s*(?:²|2)", r"^∇\s*(?:²|\^\s*2)", r"^\\nabla\s*\^\s*\{?2\}?", r"^H$",
           r"^\\frac\s*\{\s*\\partial\s*\^\s*\{?2\}?"]


def classify(lhs, fname="f"):
    """What a left-hand side is: (kind, name) — see the module docstring."""
    s = re.sub(r"\s+", " ", lhs).strip()
    bare = s.replace(" ", "").replace("{", "").replace("}", "")
    if not s:
        return "none", None
    if any(re.search(p, s) for p in _ANSWER):
        return "hess", None
    if re.match(r"^(?:d|\\mathrm\{d\}|\\mathrm d)\s*\(?\s*(?:∇|\\nabla|grad)", s) or bare in ("dG", "d(G)", "dvec(G)",
                                                                                            "d\\operatornamevec(G)"):
        return "dgrad", None
    if bare == "J":
        return "jac", None
    if "∂" in s or "\\partial" in s or "\\frac" in s or re.match(r"^d\s*\w+\s*/\s*d", s):
        return "answer", None
    if re.match(r"^(?:∇|\\nabla|grad\b)", s) or bare == "G" or bare.startswith("∇_"):
        return "grad", None
    if re.match(r"^(?:d|\\mathrm\{d\}|\\mathrm d|\\operatorname\{d\})\s*(?:\(\s*)?(?:vec|\\operatorname\{vec\})?"
                r"\s*\(?\s*[fF]\s*\)?\s*\)?$", s):
        return ("dvec" if "vec" in s else "d"), None
    if bare in ("f", "F", "f(x)", fname):
        return "value", None
    if re.fullmatch(r"(?:\\|[^\W\d])[\w{}\\]*", bare):   # any letter: h, ŷ, μ, \hat{y}
        return "name", s.replace(" ", "")   # braces kept: \hat{y} is y_hat
    raise ParseError(f"cannot tell what '{lhs.strip()}' is: a line reads df = …, = …, f = …, "
                     "∂f/∂x = …, ∇f = … (or names a part, h = …)")


def read_lines(text, wrt):
    """The steps of a derivation, numbered by the line they stand on (from 1)."""
    if not isinstance(text, str):
        raise ParseError(f"the derivation must be text, not {type(text).__name__}")
    out = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(ARROWS, "", _undecorated(raw))
        if not line.strip() or re.fullmatch(r"\W*", line):
            continue
        if "=" not in line:
            raise ParseError(f"line {number} has no '=': each line of a derivation is an equality "
                             f"(df = …, = …, ∂f/∂x = …): {raw.strip()}")
        parts = line.split("=")
        lhs, rhs_parts = parts[0], parts[1:]
        kind, name = classify(lhs)
        for k, rhs in enumerate(rhs_parts):
            rhs = mark_differentials(rhs, wrt).strip()
            if not rhs:
                raise ParseError(f"line {number}: nothing after '='")
            out.append(Segment(number, kind if k == 0 else "none", rhs, lhs.strip() if k == 0 else "", name))
    if not out:
        raise ParseError("the derivation is empty: write one step per line (df = …, = …, ∂f/∂x = …)")
    return out


__all__ = ["Segment", "read_lines", "classify", "mark_differentials", "PLACEHOLDER"]
