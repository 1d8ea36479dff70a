"""The wheel carries every subpackage and the grammar: built, installed in a fresh
virtual environment, and run from outside the checkout (issue 9)."""

import os
import re
import subprocess
import sys
import sysconfig
import zipfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def subpackages():
    return sorted(os.path.relpath(d, REPO).replace(os.sep, ".")
                  for d, _, files in os.walk(os.path.join(REPO, "symmat")) if "__init__.py" in files)


def test_pyproject_lists_every_subpackage():
    text = open(os.path.join(REPO, "pyproject.toml"), encoding="utf-8").read()
    listed = set(re.findall(r'"(symmat(?:\.\w+)*)"', text.split("packages =", 1)[1].split("]", 1)[0]))
    assert set(subpackages()) <= listed, set(subpackages()) - listed


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(out), REPO], capture_output=True, text=True)
    if r.returncode and "No module named" in r.stderr and "setuptools" in r.stderr:
        pytest.skip("setuptools is not installed in this environment")
    assert r.returncode == 0, r.stderr
    (path,) = out.glob("symmat-*.whl")
    return path


def test_the_wheel_holds_the_code_and_the_grammar(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "symmat/grammar/symmat.lark" in names
    for pkg in subpackages():
        assert pkg.replace(".", "/") + "/__init__.py" in names, pkg


def test_installed_wheel_derives_outside_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    # the dependencies (sympy, lark, numpy) come from this environment; symmat only from the wheel
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    here = sysconfig.get_paths()["purelib"]
    with open(os.path.join(site, "deps.pth"), "w") as f:
        f.write(here + "\n")
    code = ("import symmat, os; assert not symmat.__file__.startswith(%r), symmat.__file__; "
            "print(symmat.grad('x^T A x', wrt='x'))" % REPO)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "XDG_CACHE_HOME")}
    env["HOME"] = str(tmp_path)   # a user cache folder of its own
    r = subprocess.run([str(py), "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "(A + Aᵀ) x"


def test_the_wheel_holds_the_page(wheel):
    """Every file of symmat serve's page (the HTML, JavaScript, KaTeX and its fonts) is package data."""
    names = set(zipfile.ZipFile(wheel).namelist())
    static = os.path.join(REPO, "symmat", "web", "static")
    shipped = {os.path.relpath(os.path.join(d, f), REPO).replace(os.sep, "/")
               for d, _, files in os.walk(static) for f in files}
    assert len(shipped) > 20 and shipped <= names, shipped - names
