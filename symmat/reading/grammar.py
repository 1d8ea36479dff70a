"""The grammar and lark's parser for it: where each is found, built, cached and loaded.

What this module decides:

* where ``symmat.lark`` is found (next to the package in a wheel, at the
  repository root in a checkout): it is the single source of the syntax;
* how the parser is built: by lark, LALR(1) with its contextual lexer and
  every token kept, with the raw-tree callbacks embedded as its transformer
  (they run as rules reduce, so no parse tree is built) and the bar
  resolution as its post-lexer. The driver, the lexer loop and the error
  reporting are lark's own;
* where the built parser is cached, and that nothing else is ever loaded:
  lark's standalone generator writes the parser (lark's runtime plus the
  tables, as a Python module) into the user's private cache folder
  (``$XDG_CACHE_HOME/symmat`` or ``~/.cache/symmat``, created with mode
  0700 and used only when it belongs to the user and nobody else may write
  to it), in a file whose name holds a hash of the grammar text and of the
  lark version. Without such a folder the parser is built in memory and not
  cached; a shared temporary folder is never used (a file planted there by
  another user would run as code);
* how a state's lexer finds the next token: it tries only the terminals that
  can start with the next character (the table `FIRST`, computed when the
  parser is generated) and whose required characters (`REQUIRED`) the rest
  of the text holds, each compiled on first use. lark's own scanner
  compiles one alternation of all of a state's terminals per state, which
  costs ~4 ms of every cold start per state visited; the matching order
  (lark's terminal order) and so the tokens are the same.

Why a standalone module rather than ``Lark.save``: loading the saved form
needs ``import lark`` (~37 ms of CPU), the generated runtime ~5 ms once
`standalone.trim` has taken out the imports that parsing does not need; a
cold ``symmat render`` is held to a few times ``python -c pass``. Generating
(`standalone`) is imported only when the cache has no parser.
"""

import os
import re
from copy import copy   # loaded by lark's runtime in any case

GRAMMAR_NAME = "symmat.lark"
START_RULES = ["start", "decls"]
OPTIONS = dict(parser="lalr", lexer="contextual", start=START_RULES, keep_all_tokens=True,
               maybe_placeholders=False)
GENERATOR_FORMAT = 9   # bump when the generated module's layout or standalone.trim changes


# ----------------------------------------------------------------- the grammar file

def grammar_path():
    """The path of ``symmat.lark``: in the installed package, else at the repository root."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # the symmat package
    for candidate in (os.path.join(here, "grammar", GRAMMAR_NAME),
                      os.path.join(os.path.dirname(here), "grammar", GRAMMAR_NAME)):
        if os.path.isfile(candidate):
            return candidate
    from importlib.resources import files  # the loader a wheel install relies on
    return str(files("symmat.grammar") / GRAMMAR_NAME)


def grammar_text():
    """The text of the grammar (SPEC §1: the single source of the syntax)."""
    with open(grammar_path(), encoding="utf-8") as f:
        return f.read()


# ----------------------------------------------------------------- the private cache

def lark_version():
    """The installed lark's version, read without importing lark (which costs a cold start ~37 ms)."""
    spec = _find_spec("lark")
    if spec is None or not spec.origin:
        return "none"
    try:
        with open(spec.origin, encoding="utf-8") as f:
            for line in f:
                if line.startswith("__version__"):   # __version__: str = "1.3.1"
                    return line.partition("=")[2].strip().strip("'\"")
    except OSError:
        pass
    return "unknown"


def _find_spec(name):
    """``importlib.util.find_spec`` for a top-level module not yet imported, without importlib.util.

    (importlib.util imports contextlib: ~3 ms of a cold start where the
    interpreter has not loaded them already.) Each finder on ``sys.meta_path``
    is asked in turn, as the import system asks them.
    """
    import sys   # why: already loaded by every interpreter; only here
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        spec = find(name, None) if find is not None else None
        if spec is not None:
            return spec
    return None


def digest(text, version=None):
    """The cache key of a grammar text: a hash of it, the lark version and the generator format."""
    version = lark_version() if version is None else version
    key = f"{GENERATOR_FORMAT}\0{version}\0{text}".encode("utf-8")
    return _sha256()(key).hexdigest()[:24]


def _sha256():
    """SHA-256 from CPython's built-in module (``import hashlib`` loads OpenSSL: ~3 ms of a cold start)."""
    try:
        from _sha2 import sha256  # why: Python >= 3.12's built-in SHA-2
    except ImportError:
        try:
            from _sha256 import sha256  # why: Python <= 3.11's built-in SHA-256
        except ImportError:
            from hashlib import sha256  # why: a Python built without them
    return sha256


def private_cache_dir():
    """The user's own cache folder for symmat, created with mode 0700; None where there is none.

    It is used only when it is a real folder (not a link) that belongs to this
    user and that no one else can write to: a folder anyone may write into
    could hold a planted parser, which would run as code.
    """
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    folder = os.path.join(base, "symmat")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        return folder if _private(folder, want_dir=True) else None
    except OSError:
        return None


def _private(path, want_dir):
    """Whether `path` is this user's own, writable by no one else, and not a symbolic link."""
    import stat  # why: only when the cache is looked at (once per process)
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if (stat.S_ISDIR(st.st_mode) if want_dir else stat.S_ISREG(st.st_mode)) is False:
        return False
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        return False
    return not st.st_mode & (0o077 if want_dir else 0o022)


def module_path(folder, key):
    """The file of the generated parser for cache key `key` in `folder`."""
    return os.path.join(folder, f"grammar_{key}.py")


# ----------------------------------------------------------------- loading

def load_generated(path, key):
    """The generated parser module at `path`, or None if it is missing, not private or stale."""
    if not _private(path, want_dir=False):
        return None
    try:   # importlib.machinery's class, loaded with the interpreter (the importlib package loads warnings)
        from _frozen_importlib_external import SourceFileLoader  # why: once per process, at no import cost
    except ImportError:
        from importlib.machinery import SourceFileLoader  # why: an interpreter without that module
    name = f"symmat_grammar_{key}"
    loader = SourceFileLoader(name, path)
    module = type(os)(name)   # a module object (types.ModuleType)
    module.__file__, module.__loader__ = path, loader
    loader.exec_module(module)   # from the bytecode next to it when it is up to date
    return module if getattr(module, "GRAMMAR_KEY", None) == key else None


class _InMemory:
    """lark itself, in the shape of a generated module (no private cache: nothing is written)."""

    def __init__(self, text):
        import lark  # why: the heavy edge, only when no private cache folder is usable
        from lark.lexer import BasicLexer, ContextualLexer
        self.text, self.lark = text, lark
        self.BasicLexer, self.ContextualLexer = BasicLexer, ContextualLexer
        self.UnexpectedInput = lark.exceptions.UnexpectedInput
        self.UnexpectedCharacters = lark.exceptions.UnexpectedCharacters
        self.UnexpectedToken = lark.exceptions.UnexpectedToken
        self.FIRST = {}

    def Lark_StandAlone(self, **kwargs):
        """A lark parser for the grammar, built now (the standalone module's constructor)."""
        return self.lark.Lark(self.text, **OPTIONS, **kwargs)


def runtime(text=None, folder=None, always_accept=()):
    """The module that builds the parser: generated into the private cache, or lark in memory.

    `text` defaults to the grammar file, `folder` to `private_cache_dir()`
    (pass ``False`` for no cache); both are parameters for the tests.
    """
    text = grammar_text() if text is None else text
    folder = private_cache_dir() if folder is None else folder
    if not folder:
        return _InMemory(text)
    key = digest(text + "".join(f"\0{t}" for t in always_accept))
    path = module_path(folder, key)
    try:
        module = load_generated(path, key)
    except Exception:   # a damaged file (cut short, bad bytecode): it is made again below
        module = None
    if module is None:
        try:
            generate(text, path, key, always_accept)
            module = load_generated(path, key)
            _prune(folder, keep=path)
        except Exception:   # a cache that cannot be written or read: lark in memory is as right
            module = None
    return module or _InMemory(text)


KEEP = 8   # parsers kept in the cache folder (one per grammar and lark version met lately)


def generate(text, path, key, always_accept=()):
    """Write lark's standalone parser for `text` to `path`, with its bytecode (`standalone.generate`)."""
    from . import standalone  # why: lark and the generator only when the cache has no parser
    standalone.generate(text, path, key, OPTIONS, always_accept)


def _prune(folder, keep):
    """Remove all but the `KEEP` newest generated parsers from `folder`, never `keep`."""
    from .standalone import prune  # why: only after a parser was generated
    prune(folder, keep, KEEP)


def build(callbacks, postlex, text=None, folder=None):
    """(lark parser with `callbacks` as transformer and `postlex`, the runtime that made it)."""
    rt = runtime(text, folder, getattr(postlex, "always_accept", ()))
    plugins = {"ContextualLexer": _first_char_lexer(rt)}
    return rt.Lark_StandAlone(transformer=callbacks, postlex=postlex, _plugins=plugins), rt


# ----------------------------------------------------------------- the lexer's matching

_COMPILED = {}


class FirstCharScanner:
    """A state's scanner: the terminals that can start with the next character, in lark's order.

    A terminal is also passed over, without compiling or trying its regex,
    when the rest of the text lacks a character that all its matches contain
    (`REQUIRED`: the ``=`` of a definition ``f(x) = …``, the ``(`` that a
    function name's lookahead wants): it could not match there.
    """

    def __init__(self, terminals, first, required=None):
        required = required or {}
        self.order = [(t.name, t.pattern.to_regexp(), required.get(t.name, "")) for t in terminals]
        self.allowed_types = {name for name, _, _ in self.order}
        self.first = first
        self._by_char = {}
        self._last = (None, 0, {})   # (text, end, {character: its last position in text[:end]})

    def _candidates(self, ch):
        """The (name, regexp, required characters) of the terminals worth trying at a character `ch`."""
        found = self._by_char.get(ch)
        if found is None:
            first = self.first
            if any(name not in first for name, _, _ in self.order):
                from .standalone import first_chars  # why: only for lark in memory (no generated FIRST)
            for name, regexp, _ in self.order:
                if name not in first:
                    first[name] = first_chars(regexp)
            found = self._by_char[ch] = [t for t in self.order if first[t[0]] is None or ch in first[t[0]]]
        return found

    def match(self, text, pos):
        """(value, terminal name) of the token at `pos`, or None (lark's Scanner.match)."""
        s, end = (text.text, text.end) if hasattr(text, "text") else (text, len(text))
        for name, regexp, required in self._candidates(s[pos]):
            if required and self._lacks(s, end, pos, required):
                continue
            regex = _COMPILED.get(regexp)
            if regex is None:
                regex = _COMPILED[regexp] = re.compile(regexp)
            m = regex.match(s, pos, end)
            if m:
                return m.group(0), name
        return None

    def _lacks(self, s, end, pos, chars):
        """Whether one of `chars` is missing from ``s[pos:end]`` (last positions found once per text)."""
        memo = self._last
        if memo[0] is not s or memo[1] != end:
            memo = self._last = (s, end, {})   # one assignment: a reading in another thread keeps its own
        last = memo[2]
        for c in chars:
            at = last.get(c)
            if at is None:
                at = last[c] = s.rfind(c, 0, end)
            if at < pos:
                return True
        return False


def _first_char_lexer(rt):
    """lark's contextual lexer whose state lexers scan with `FirstCharScanner`."""
    first, required = dict(rt.FIRST), getattr(rt, "REQUIRED", {})

    class FirstCharLexer(rt.BasicLexer):
        """lark's BasicLexer; only the scanner differs."""

        def _build_scanner(self):
            """The grammar has no terminal that a keyword terminal shadows, so no lexer callbacks."""
            self.callback = dict(self.user_callbacks)
            return FirstCharScanner(self.terminals, first, required)

    class FirstCharContextualLexer(rt.ContextualLexer):
        """lark's contextual lexer with `FirstCharLexer` for each state, built when the state is first met.

        lark builds all ~50 state lexers (one per set of terminals a state
        accepts) and the root lexer (for error messages) up front; a reading
        meets a few of them. Each is built as lark builds it, when first asked
        for (lark's validation is off in the standalone parser, so there is
        no regex comparator to pass).
        """

        BasicLexer = FirstCharLexer

        def __init__(self, conf, states, always_accept=()):
            self._conf, self._states, self._always = conf, states, frozenset(always_accept)
            self._by_terminals, self._root = {}, None
            self.lexers = _StateLexers(self._state_lexer)

        def _state_lexer(self, state):
            """The lexer of parser state `state` (states that accept the same terminals share one)."""
            accepts = frozenset(self._states[state])
            lexer = self._by_terminals.get(accepts)
            if lexer is None:
                conf = copy(self._conf)
                names = accepts | set(conf.ignore) | self._always
                conf.terminals = [conf.terminals_by_name[n] for n in names if n in conf.terminals_by_name]
                lexer = self._by_terminals[accepts] = self.BasicLexer(conf, None)
            return lexer

        @property
        def root_lexer(self):
            """The lexer of every terminal, which lark uses to name an unexpected token in an error."""
            if self._root is None:
                conf = copy(self._conf)
                conf.terminals = list(conf.terminals)
                conf.skip_validation = True
                self._root = self.BasicLexer(conf, None)
            return self._root

    return FirstCharContextualLexer


class _StateLexers(dict):
    """{parser state: its lexer}, each made by `make(state)` when first looked up."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, state):
        lexer = self[state] = self.make(state)
        return lexer
