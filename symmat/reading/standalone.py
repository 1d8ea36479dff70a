"""Generating lark's standalone parser module for the grammar (only when the private cache has none).

What this module decides:

* how the module is made: lark's standalone generator (``lark.tools.standalone``)
  writes lark's runtime and the LALR tables as Python source; `FIRST` (the
  characters each terminal can start with, see `first_chars`) and
  `GRAMMAR_KEY` are appended;
* what symmat trims from lark's runtime text before it is cached (`trim`).
  The runtime imports ``typing``, ``logging`` and ``dataclasses`` (which
  imports ``inspect``, ``ast`` and ``dis``): together ~20 ms of CPU on every
  cold start, a third of a cold ``symmat render`` above the interpreter's
  own start. Parsing needs none of them:

  - ``typing``: annotations are not evaluated (``from __future__ import
    annotations``); the few uses that run (type aliases, ``TypeVar``,
    ``Generic[…]`` bases) get inert stand-ins;
  - ``logging``: lark's logger is set to CRITICAL and lark writes nothing at
    that level, so a logger that drops every record prints the same;
  - ``dataclass``: only ``TextSlice`` (frozen, three fields) uses it: its
    ``__init__``, equality, hash and repr are written out;
  - ``inspect``: only for ``v_args`` on a class (not used): imported when called;
  - ``contextlib``: only ``suppress``, written out;
  - ``regex``: only for ``Lark(regex=True)`` (not used): never tried.

  and one change makes loading the tables faster: ``Serialize.deserialize``
  returns a memo reference (most of what the parse table holds) before it
  builds the namespace that only a full object needs, and builds that
  namespace once per class, not once per object, and sets a plain field
  value (a name, a number) without a call to deserialize it; the parse table looks
  up each reduction's rule (~1900 memo references) itself rather than
  through ``Rule.deserialize``.

  Each change replaces an exact piece of lark's text. If one is not found (a
  lark version whose text differs), none is made and the module is lark's as
  generated: correct, only slower; tests/test_startup.py then fails, so that
  the list here is brought up to date.

Nothing here runs on a cold start that finds its parser cached.
"""

import io
import os


# ----------------------------------------------------------------- the text changed in lark's runtime

_FUTURE = "from __future__ import annotations   # symmat: annotations are never evaluated\n"

_TYPING_IMPORT = """from typing import (
    TypeVar, Generic, Type, Tuple, List, Dict, Iterator, Collection, Callable, Optional, FrozenSet, Any,
    Union, Iterable, IO, TYPE_CHECKING, overload, Sequence,
    Pattern as REPattern, ClassVar, Set, Mapping
)
"""

_TYPING_STANDINS = '''from collections.abc import Mapping   # symmat: typing's stand-ins follow (see symmat/reading/standalone.py)


class _Inert:
    """typing's names where lark's runtime uses them outside annotations (aliases, TypeVar): inert."""

    def __getitem__(self, item):
        return self

    def __call__(self, *args, **kwargs):
        return self


class Generic:
    """typing.Generic as a base class: subscripting it, or a class built on it, gives the class."""

    __slots__ = ()

    def __class_getitem__(cls, item):
        return cls


TypeVar = Type = Tuple = List = Dict = Iterator = Collection = Callable = Optional = FrozenSet = _Inert()
Any = Union = Iterable = IO = Sequence = REPattern = ClassVar = Set = AnyStr = _Inert()
TYPE_CHECKING = False


def overload(f):
    return f
'''

_LOGGING = """import sys, re
import logging
from dataclasses import dataclass
from typing import Generic, AnyStr

logger: logging.Logger = logging.getLogger("lark")
logger.addHandler(logging.StreamHandler())
"""

_QUIET_LOGGER = '''import sys, re


class _Quiet:
    """lark's logger: its level is CRITICAL and lark logs nothing at that level, so every record is dropped."""

    def _drop(self, *args, **kwargs):
        pass

    debug = info = warning = error = exception = critical = setLevel = addHandler = _drop


logger = _Quiet()
'''

_SET_LEVEL = "logger.setLevel(logging.CRITICAL)\n"

_REGEX_IMPORT = """try:
    import regex
    _has_regex = True
except ImportError:
    _has_regex = False
"""

_CATEG = "categ_pattern = re.compile(r'\\\\p{[A-Za-z_]+}')\n"
_CATEG_LAZY = "categ_pattern = r'\\\\p{[A-Za-z_]+}'   # symmat: compiled by re.sub/re.search when used\n"

_TEXT_SLICE = """@dataclass(frozen=True)
class TextSlice(Generic[AnyStr]):
    #--
    text: AnyStr
    start: int
    end: int
"""

_TEXT_SLICE_WRITTEN_OUT = '''class TextSlice(Generic[AnyStr]):
    """lark's frozen dataclass, written out (symmat: no dataclasses import)."""
    text: AnyStr
    start: int
    end: int

    def __init__(self, text, start, end):
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        self.__post_init__()

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"cannot delete field {name!r}")

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return (self.text, self.start, self.end) == (other.text, other.start, other.end)
        return NotImplemented

    def __hash__(self):
        return hash((self.text, self.start, self.end))

    def __repr__(self):
        return f"TextSlice(text={self.text!r}, start={self.start!r}, end={self.end!r})"
'''

_FIELD = "                setattr(inst, f, _deserialize(data[f], namespace, memo))\n"
_FIELD_PLAIN = """                value = data[f]   # symmat: a plain value (most fields) is left as it is
                setattr(inst, f, _deserialize(value, namespace, memo) if value.__class__ in (dict, list) else value)
"""

_TABLE_REDUCE = ("            state: {tokens[token]: ((Reduce, Rule.deserialize(arg, memo)) if action==1 else (Shift, arg))\n")
_TABLE_REDUCE_MEMO = ("            state: {tokens[token]: ((Reduce, memo[arg['@']] if '@' in arg else Rule.deserialize(arg, memo))"
                      " if action==1 else (Shift, arg))   # symmat: the rule's memo reference looked up here\n")

_CONTEXTLIB = "from contextlib import suppress\n"
_SUPPRESS = '''class suppress:
    """contextlib.suppress, written out (symmat: no contextlib import)."""

    def __init__(self, *exceptions):
        self._exceptions = exceptions

    def __enter__(self):
        pass

    def __exit__(self, exctype, excinst, exctb):
        return exctype is not None and issubclass(exctype, self._exceptions)
'''

_INSPECT = "from inspect import getmembers, getmro\n"
_INSPECT_LAZY = '''def getmembers(object, predicate=None):
    import inspect   # symmat: only for v_args on a class
    return inspect.getmembers(object, predicate)


def getmro(cls):
    return cls.__mro__
'''

_DESERIALIZE = """        namespace = getattr(cls, '__serialize_namespace__', [])
        namespace = {c.__name__:c for c in namespace}

        fields = getattr(cls, '__serialize_fields__')

        if '@' in data:
            return memo[data['@']]
"""
_DESERIALIZE_MEMO_FIRST = """        if '@' in data:   # symmat: a memo reference first (~2000 of them), before the namespace is built
            return memo[data['@']]

        namespace = cls.__dict__.get('_symmat_namespace')
        if namespace is None:   # symmat: built once per class, not once per object (~600 of them)
            namespace = getattr(cls, '__serialize_namespace__', [])
            namespace = {c.__name__:c for c in namespace}
            cls._symmat_namespace = namespace

        fields = getattr(cls, '__serialize_fields__')
"""

# (lark's text, symmat's) in the order they appear; each must occur exactly once.
REPLACEMENTS = [(_TYPING_IMPORT, _TYPING_STANDINS), (_LOGGING, _QUIET_LOGGER), (_SET_LEVEL, ""),
                (_REGEX_IMPORT, "_has_regex = False   # symmat: Lark(regex=True) is never used\n"),
                (_CATEG, _CATEG_LAZY), (_TEXT_SLICE, _TEXT_SLICE_WRITTEN_OUT), (_INSPECT, _INSPECT_LAZY),
                (_DESERIALIZE, _DESERIALIZE_MEMO_FIRST), (_FIELD, _FIELD_PLAIN),
                (_TABLE_REDUCE, _TABLE_REDUCE_MEMO),
                (_CONTEXTLIB, _SUPPRESS)]


def trim(source):
    """lark's generated `source` with the changes above, or unchanged if any of them does not apply."""
    if "from __future__" in source or any(source.count(old) != 1 for old, _ in REPLACEMENTS):
        return source
    for old, new in REPLACEMENTS:
        source = source.replace(old, new)
    return _FUTURE + source


# ----------------------------------------------------------------- generating

class _Keep:
    """A stand-in post-lexer while the parser is generated: it names the terminals to keep."""

    def __init__(self, always_accept):
        self.always_accept = tuple(always_accept)

    def process(self, stream):
        """Tokens unchanged (the real post-lexer is given when the parser is loaded)."""
        return stream


def source(text, key, options, always_accept=()):
    """The Python source of the standalone parser for grammar `text` (trimmed, with FIRST and GRAMMAR_KEY).

    `options` are lark's; `always_accept` names the terminals that only the
    post-lexer uses (lark would drop them otherwise).
    """
    from lark import Lark  # why: the heavy edge, only when a parser is (re)generated
    from lark.tools.standalone import gen_standalone
    inst = Lark(text, **options, postlex=_Keep(always_accept))
    inst.options.postlex = None   # given again at load time; the generated module holds data only
    out = io.StringIO()
    gen_standalone(inst, out=out)
    text_out = out.getvalue().replace("\nimport pickle, zlib, base64\n", "\n")   # used only when compressed
    first = {t.name: first_chars(t.pattern.to_regexp()) for t in inst.terminals}
    required = {t.name: chars for t in inst.terminals if (chars := required_chars(t.pattern.to_regexp()))}
    return trim(text_out) + f"\nFIRST = {first!r}\nREQUIRED = {required!r}\nGRAMMAR_KEY = {key!r}\n"


def generate(text, path, key, options, always_accept=()):
    """Write the standalone parser for `text` to `path` (atomically), with its bytecode."""
    import py_compile  # why: the bytecode is written here even under PYTHONDONTWRITEBYTECODE
    from importlib.util import cache_from_source  # why: where that bytecode goes
    code = source(text, key, options, always_accept)
    tmp = f"{path}.{os.getpid()}.{id(code)}.tmp"   # one per process and call
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(code)
        py_compile.compile(tmp, cfile=cache_from_source(path), dfile=path, doraise=True)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def prune(folder, keep, count):
    """Remove all but the `count` newest generated parsers (and their bytecode) from `folder`."""
    from importlib.util import cache_from_source  # why: only after a parser was generated
    found = sorted((os.path.join(folder, f) for f in os.listdir(folder)
                    if f.startswith("grammar_") and f.endswith(".py")), key=os.path.getmtime, reverse=True)
    for path in found[count:]:
        if path != keep:
            for p in (path, cache_from_source(path)):
                try:
                    os.unlink(p)
                except OSError:
                    pass


# ----------------------------------------------------------------- first characters of a regexp

class _AnyChar(Exception):
    """A regex whose first character cannot be narrowed down."""


def _sre():
    """Python's regex parser and its constants."""
    try:
        from re import _constants as sc, _parser as sp  # why: regex analysis, when a parser is generated
    except ImportError:  # Python < 3.11
        import sre_constants as sc  # why: the same modules under their old names
        import sre_parse as sp
    return sc, sp


def first_chars(regexp):
    """The characters a match of `regexp` can start with, as a string; None if any may."""
    sc, sp = _sre()
    try:
        parsed = sp.parse(regexp)
        if parsed.state.flags & sc.SRE_FLAG_IGNORECASE:
            return None
        chars, nullable = _first_of(parsed, sc)
    except _AnyChar:
        return None
    return None if nullable else "".join(sorted(chars))


def _first_of(seq, sc):
    """(first characters, can match empty) of a parsed regex sequence."""
    chars = set()
    for op, av in seq:
        more, nullable = _first_item(op, av, sc)
        chars |= more
        if not nullable:
            return chars, False
    return chars, True


def _first_item(op, av, sc):
    """(first characters, can match empty) of one parsed regex item."""
    if op is sc.LITERAL:
        return {chr(av)}, False
    if op is sc.IN:
        chars = set()
        for kind, arg in av:
            if kind is sc.LITERAL:
                chars.add(chr(arg))
            elif kind is sc.RANGE and arg[1] - arg[0] < 5000:
                chars.update(chr(c) for c in range(arg[0], arg[1] + 1))
            else:
                raise _AnyChar
        return chars, False
    if op is sc.BRANCH:
        chars, nullable = set(), False
        for branch in av[1]:
            more, empty = _first_of(branch, sc)
            chars |= more
            nullable = nullable or empty
        return chars, nullable
    if op is sc.SUBPATTERN:
        if av[1] & sc.SRE_FLAG_IGNORECASE:
            raise _AnyChar
        return _first_of(av[3], sc)
    if op in (sc.MAX_REPEAT, sc.MIN_REPEAT) or op.name == "POSSESSIVE_REPEAT":
        chars, nullable = _first_of(av[2], sc)
        return chars, nullable or av[0] == 0
    if op in (sc.AT, sc.ASSERT, sc.ASSERT_NOT):
        return set(), True
    raise _AnyChar


# ----------------------------------------------------------------- characters every match contains

def required_chars(regexp):
    """The characters that every match of `regexp` holds, its lookaheads included, as a string ('' if none).

    Only what is sure counts: a literal outside any optional part, in every
    branch of an alternation, or in a lookahead (which reads the text after
    the match, still inside what the lexer is given); case-insensitive parts
    count for nothing.
    """
    sc, sp = _sre()
    parsed = sp.parse(regexp)
    if parsed.state.flags & sc.SRE_FLAG_IGNORECASE:
        return ""
    return "".join(sorted(_required_of(parsed, sc)))


def _required_of(seq, sc):
    """The characters every match of a parsed regex sequence holds."""
    chars = set()
    for op, av in seq:
        chars |= _required_item(op, av, sc)
    return chars


def _required_item(op, av, sc):
    """The characters every match of one parsed regex item holds."""
    if op is sc.LITERAL:
        return {chr(av)}
    if op is sc.IN and len(av) == 1 and av[0][0] is sc.LITERAL:
        return {chr(av[0][1])}
    if op is sc.SUBPATTERN:
        return set() if av[1] & sc.SRE_FLAG_IGNORECASE else _required_of(av[3], sc)
    if op is sc.BRANCH:
        return set.intersection(*(_required_of(branch, sc) for branch in av[1]))
    if (op in (sc.MAX_REPEAT, sc.MIN_REPEAT) or op.name == "POSSESSIVE_REPEAT") and av[0] >= 1:
        return _required_of(av[2], sc)
    if op is sc.ASSERT and av[0] == 1:   # a lookahead; a lookbehind (-1) reads before the match
        return _required_of(av[1], sc)
    return set()
