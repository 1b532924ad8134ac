"""``import symconv`` imports no SymPy module, yet ``symconv.proof`` (any submodule) still works
as an attribute, as it did when the package imported it (notebooks use it)."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_submodule_is_an_attribute_on_first_use():
    out = _run("""
        import sys
        import symconv
        print("symconv.proof" in sys.modules)
        print(len(symconv.proof.ASSUMPTIONS) > 0, symconv.model.LayerList.__name__)
        print("symconv.proof" in sys.modules)
        try:
            symconv.no_such_module
        except AttributeError as exc:
            print(exc)
    """).splitlines()
    assert out == ["False", "True LayerList", "True",
                   "module 'symconv' has no attribute 'no_such_module'"]
