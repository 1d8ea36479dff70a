"""Names: the Greek tables and the one canonical spelling of a name (SPEC §1.1).

Every stage that takes a name from a user (the parser, `wrt`, the keys of
`evaluate`, declarations) goes through `canonical_name`/`canonical`, so that
``W_{1}``, ``W_1`` and ``W₁`` are one variable and ``lambda`` is ``λ``; the
printers use `GREEK_SPELLED` to spell Greek letters out in ASCII.
"""

import contextvars
import functools
import re
import weakref

from ..errors import SymmatError

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
_ACCENT_RE = r"\\(\w+)\s*\{\s*([A-Za-z])\s*\}"   # compiled (by re's cache) only for a name with a backslash
_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉ϑϕϵ", "0123456789θφε")
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _accent(t):
    """``re.fullmatch(_ACCENT_RE, t)``: a match starts with a backslash, so others are not tried."""
    return re.fullmatch(_ACCENT_RE, t) if t[:1] == "\\" else None


def _spelled_head(text):
    """(the leading ASCII letters of `text`, the rest): what ``([A-Za-z]+)(.*)`` matches, without a regex."""
    i = 0
    while i < len(text) and text[i] in _ASCII_LETTERS:
        i += 1
    return text[:i], text[i:]


def canonical_name(text):
    """The one spelling of a name: subscripts flattened, LaTeX stripped.

    ``W_{1}``, ``W_1``, ``W₁`` → ``W1``; ``X_{train}`` → ``X_train``;
    ``\\lambda`` → ``lambda`` (a spelled Greek name stays spelled; `build`
    maps it); ``\\hat{y}`` → ``y_hat``; a spelled Greek name with a subscript
    becomes Unicode (``theta_1`` → ``θ1``), since `build` maps only bare names.
    """
    t = text.strip()
    m = _accent(t)
    if m and m.group(1) in _ACCENTS:
        return f"{m.group(2)}_{_ACCENTS[m.group(1)]}"
    t = t.lstrip("\\").translate(_SUBSCRIPT_DIGITS)
    base, *subs = t.split("_")
    for sub in subs:
        sub = sub.strip("{}")
        base += sub if sub.isdigit() else "_" + sub
    head, rest = _spelled_head(base)
    if head and rest and head in GREEK:
        base = GREEK[head] + rest
    return base



def canonical(text):
    """The name the tree uses for `text`: `canonical_name`, then a spelled Greek name as its letter."""
    name = canonical_name(text)
    return GREEK.get(name, name)


def canonical_keys(values, what="values"):
    """`values` (a dict name → anything) keyed by canonical names: every spelling of a name is accepted
    (``W_2``, ``W_{2}``, ``W2``; ``lambda``, ``λ``), and one name given under two spellings with two
    different values is an error. The one door for keyword arguments that name variables
    (`evaluate`, generated code's `compile`)."""
    if not isinstance(values, dict):
        raise SymmatError(f"{what} must be a dict mapping names to arrays or numbers, not {type(values).__name__}")
    out, typed = {}, {}
    for key, v in values.items():
        if not isinstance(key, str):
            raise SymmatError(f"the names in {what} must be strings, not {type(key).__name__} {key!r}"[:200])
        name = canonical(key)
        if name in out and out[name] is not v:
            raise SymmatError(f"{name} is given twice (as {typed[name]} and as {key})")
        out[name], typed[name] = v, key
    return out


# ----------------------------------------------------------------- names as typed (SPEC §1.1)
#
# The tree keeps one canonical name per variable (identity: `W_2`, `W_{2}` and
# `W2` are one `Var("W2")`). The spelling a user first wrote is kept beside the
# tree, not in it: the parser records it (`typed`) into the table of the
# reading in progress (`recording`), the table is remembered for the tree it
# produced (`remember`/`spellings_of`) and handed on to the `Derivative`, and
# the printers consult the table of the result being printed (`speaking`,
# `shown`). Names compare canonically everywhere; only the printed text differs.

_RECORDING = contextvars.ContextVar("symmat_recording", default=None)
_SPEAKING = contextvars.ContextVar("symmat_speaking", default=None)
_BY_TREE = weakref.WeakKeyDictionary()   # parsed tree → its spellings (equal trees share one entry)


def display_spelling(text):
    """How a typed name prints: as typed, less LaTeX markup (``W_{2}`` → ``W_2``, ``mu_0`` → ``μ_0``).

    It reads back as the same canonical name, so a printed result can be pasted
    back in; a spelled Greek head becomes its letter (the printers spell it out
    again in ASCII).
    """
    t = text.strip()
    m = _accent(t)
    if m and m.group(1) in _ACCENTS:
        return f"{m.group(2)}_{_ACCENTS[m.group(1)]}"
    t = t.lstrip("\\")
    if any("₀" <= c <= "₉" for c in t):   # (the regex compiled only for a name with subscript digits)
        t = re.sub(r"([₀-₉]+)", lambda s: "_" + s.group(1).translate(_SUBSCRIPT_DIGITS), t)
    t = t.translate(_SUBSCRIPT_DIGITS)
    base, *subs = t.split("_")
    for sub in subs:
        base += "_" + sub.strip("{}").lstrip("\\")
    head, rest = _spelled_head(base)
    if head and head in GREEK:
        base = GREEK[head] + rest
    return base


def typed(text):
    """`canonical_name(text)`, recording `text` as the name's spelling in the reading in progress."""
    name = canonical_name(text)
    table = _RECORDING.get()
    if table is not None:
        key = GREEK.get(name, name)
        shown_as = display_spelling(text)
        if key not in table and shown_as != key and canonical(shown_as) == key:
            table[key] = shown_as
        table.setdefault(key, key)
    return name


class recording:
    """``with recording() as table:`` collects the spellings `typed` sees (canonical → as typed).

    A nested reading (a claim read beside its function) adds to the outer table.
    """

    def __enter__(self):
        outer = _RECORDING.get()
        self.table = outer if outer is not None else {}
        self._token = _RECORDING.set(self.table)
        return self.table

    def __exit__(self, *exc):
        _RECORDING.reset(self._token)
        return False


def remember(tree, table):
    """Keep the spellings of the reading that produced `tree` (the latest reading wins)."""
    try:
        _BY_TREE[tree] = {k: v for k, v in table.items() if k != v}
    except TypeError:
        pass
    return tree


def spellings_of(tree):
    """The spellings recorded for `tree` (canonical → as typed; empty if none)."""
    try:
        return dict(_BY_TREE.get(tree, {}))
    except TypeError:
        return {}


class speaking:
    """``with speaking(table):`` printers show names as in `table` (an enclosing table wins)."""

    def __init__(self, table):
        self.table = table   # None: no table here, so printing a parsed tree looks up its own spellings

    def __enter__(self):
        outer = _SPEAKING.get()
        self._token = _SPEAKING.set(outer if outer is not None else self.table)
        return self

    def __exit__(self, *exc):
        _SPEAKING.reset(self._token)
        return False


def speaks(method):
    """Decorate a method of an object with a `spellings` table: it prints names as typed."""
    @functools.wraps(method)
    def wrapper(self, *a, **kw):
        with speaking(getattr(self, "spellings", None)):
            return method(self, *a, **kw)
    return wrapper


def shown(name):
    """The name as the user first wrote it, in the result being printed (else `name`)."""
    table = _SPEAKING.get()
    return table.get(name, name) if table else name


def speaking_for(tree):
    """A `speaking` context for printing `tree` on its own (a parsed tree's spellings)."""
    return speaking(None if _SPEAKING.get() is not None else spellings_of(tree))
