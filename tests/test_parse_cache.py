"""The parser is built by lark and cached only in the user's private cache folder (issue 9).

A cached parser is code: a file that another local user could plant must never
be loaded. These tests plant such files and show they are not used.
"""

import os
import pickle
import stat
import tempfile

import pytest

from symmat.reading import grammar as G
from symmat.reading import parser as P
from symmat.errors import ParseError

MARKER = "planted-code-ran"


class _Planted:
    """A pickle that, when loaded, leaves a marker file: proof that it ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _plant(folder, marker):
    """Files with every name an old symmat or lark would have looked for in `folder`."""
    os.makedirs(folder, exist_ok=True)
    key = G.digest(G.grammar_text() + "\0BAR\0DBAR")
    payload = pickle.dumps(_Planted(marker))
    uid = os.getuid() if hasattr(os, "getuid") else ""
    for name in (f"symmat{uid}_grammar_cache.pickle", "_grammar_cache.pickle", f".lark_cache_{uid}.tmp"):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(payload)
    with open(G.module_path(folder, key), "w") as f:
        f.write(f"open({marker!r}, 'w').close()\nGRAMMAR_KEY = {key!r}\n")
    return key


def test_no_private_folder_means_no_cache_and_a_planted_temp_file_is_not_loaded(tmp_path, monkeypatch):
    shared = tmp_path / "shared-tmp"
    marker = str(tmp_path / MARKER)
    _plant(str(shared), marker)
    _plant(str(shared / "symmat"), marker)
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(not_a_folder))    # the private cache is unusable
    monkeypatch.setenv("HOME", str(not_a_folder))
    assert G.private_cache_dir() is None
    reader = P.Reader()
    root, _ = reader.parse("x^T A x")
    assert root.op == "product"
    assert not os.path.exists(marker)
    assert isinstance(reader.runtime, G._InMemory)


def test_a_folder_others_may_write_to_is_not_used(tmp_path, monkeypatch):
    base = tmp_path / "cache"
    folder = base / "symmat"
    marker = str(tmp_path / MARKER)
    _plant(str(folder), marker)
    os.chmod(folder, 0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(base))
    assert G.private_cache_dir() is None
    reader = P.Reader()
    assert reader.parse("a b")[0].op == "product"
    assert not os.path.exists(marker)


def test_a_planted_file_others_may_write_is_not_loaded(tmp_path):
    folder = tmp_path / "own"
    os.makedirs(folder, mode=0o700)
    marker = str(tmp_path / MARKER)
    key = _plant(str(folder), marker)
    os.chmod(G.module_path(str(folder), key), 0o666)
    assert G.load_generated(G.module_path(str(folder), key), key) is None
    assert not os.path.exists(marker)


def test_the_parser_is_cached_in_the_private_folder_and_loaded_from_it(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = G.private_cache_dir()
    assert folder == str(tmp_path / "symmat")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    first = P.Reader()
    files = [f for f in os.listdir(folder) if f.endswith(".py")]
    assert len(files) == 1 and G.digest(G.grammar_text() + "\0BAR\0DBAR") in files[0]
    assert stat.S_IMODE(os.stat(os.path.join(folder, files[0])).st_mode) == 0o600

    def no_generation(*args, **kwargs):
        raise AssertionError("the cached parser should have been loaded")
    monkeypatch.setattr(G, "generate", no_generation)
    again = P.Reader()
    assert not isinstance(again.runtime, G._InMemory)
    assert again.runtime.GRAMMAR_KEY == first.runtime.GRAMMAR_KEY


def test_a_cache_made_for_another_grammar_text_is_not_used(tmp_path):
    folder = str(tmp_path)
    os.chmod(folder, 0o700)
    text = G.grammar_text()
    other = text.replace(r"MUL: /\*|@|", r"MUL: /\*|")    # the same grammar without `@`
    assert other != text
    with_at = P.Reader(text=text, folder=folder)
    without_at = P.Reader(text=other, folder=folder)
    assert with_at.runtime.GRAMMAR_KEY != without_at.runtime.GRAMMAR_KEY
    assert len([f for f in os.listdir(folder) if f.endswith(".py")]) == 2
    assert with_at.parse("A @ B")[0].op == "product"
    with pytest.raises(without_at.runtime.UnexpectedInput):
        without_at.parse("A @ B")
    # and the key also holds the lark version: another version gets its own file
    assert G.digest(text, "0.0") != G.digest(text, "1.3.1")


def _raw_tuple(r):
    """A Raw tree as nested tuples (class, op, params, span, children) for comparison."""
    if isinstance(r, tuple):   # (root, declaration items) from the start rule
        return ("start", _raw_tuple(r[0]), [_item_tuple(item) for item in r[1]])
    return (type(r).__name__, r.op, r.params, r.start, r.end, r.grouped, tuple(_raw_tuple(a) for a in r.args))


def _item_tuple(item):
    """A declaration item with its Decl and token parts made comparable."""
    out = []
    for part in item:
        if isinstance(part, list):
            out.append([(d.kind, d.shape, d.props) for d in part])
        elif hasattr(part, "type"):
            out.append((part.type, str(part), part.start_pos))
        elif isinstance(part, P.Raw):
            out.append(_raw_tuple(part))
        else:
            out.append(part)
    return out


def test_the_cached_parser_and_lark_in_memory_read_alike(tmp_path):
    """The generated module (standalone lark + first-character scanner) builds what lark itself builds."""
    os.chmod(tmp_path, 0o700)
    cached = P.Reader(folder=str(tmp_path))
    in_memory = P.Reader(folder=False)
    assert isinstance(in_memory.runtime, G._InMemory) and not isinstance(cached.runtime, G._InMemory)
    texts = ["x^T A x", "||A x - b||^2 where A: 3x2", "[a -b; c d]", "[a - b c; d e]",
             r"\begin{bmatrix} a & b \\ c & d \end{bmatrix}", "|a| |b|", "|| |x| ||",
             "L(w) = ||w||^2 where w: vector(3), A: spd 3x3", r"\frac{1}{2}\|Xw-y\|^2",
             "tr((AB)^T C)", "sum(log(x + 1e-8))", r"x^{\frac{1}{2}}", "σ(Wx + b) ⊙ (𝟏 - σ(Wx + b))",
             "X^TAX", r"\operatorname{tr}\left(X^\top X\right)", "log det X", "A ⊗ B .* C ./ D"]
    for text in texts:
        assert _raw_tuple(cached.parse(text)) == _raw_tuple(in_memory.parse(text)), text
    for bad in ["x +", "(a b", "a # b", "x^T ^", "1.2.3"]:
        errors = []
        for reader in (cached, in_memory):
            with pytest.raises(ParseError) as info:
                _read_with(reader, bad)
            errors.append(str(info.value))
        assert errors[0] == errors[1], bad


def _read_with(reader, text):
    """`P.parse_raw` with another reader (the in-memory one)."""
    saved = P._READER
    P._READER = reader
    try:
        return P.parse_raw(text)
    finally:
        P._READER = saved


def test_a_damaged_cache_file_is_made_again(tmp_path):
    os.chmod(tmp_path, 0o700)
    first = P.Reader(folder=str(tmp_path))
    path = G.module_path(str(tmp_path), first.runtime.GRAMMAR_KEY)
    with open(path, "w") as f:
        f.write("this is not python (\n")
    again = P.Reader(folder=str(tmp_path))
    assert not isinstance(again.runtime, G._InMemory)
    assert again.parse("x^T A x")[0].op == "product"


def test_old_parsers_are_pruned(tmp_path):
    os.chmod(tmp_path, 0o700)
    for i in range(G.KEEP + 3):
        with open(os.path.join(tmp_path, f"grammar_old{i:02d}.py"), "w") as f:
            f.write("")
        os.utime(os.path.join(tmp_path, f"grammar_old{i:02d}.py"), (1000 + i, 1000 + i))
    reader = P.Reader(folder=str(tmp_path))
    left = sorted(f for f in os.listdir(tmp_path) if f.endswith(".py"))
    assert len(left) == G.KEEP
    assert G.module_path(str(tmp_path), reader.runtime.GRAMMAR_KEY).endswith(left[-1]) or \
        os.path.basename(G.module_path(str(tmp_path), reader.runtime.GRAMMAR_KEY)) in left
    assert "grammar_old00.py" not in left
