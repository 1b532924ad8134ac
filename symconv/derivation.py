"""The step / chain types every layer model uses.

A derivation is data: an ordered chain of :class:`Step` objects, each an
equation ``lhs = expr`` with a one-line justification. The CLI, the LaTeX
renderer and the notebooks render the same objects; nothing prints a formula
of its own.

``Step.expr`` is a *display* form: it may be built from unevaluated SymPy
nodes (``Mul(..., evaluate=False)``) so that it prints in the documented
factor order. :meth:`Step.canonical` is the evaluated form used by proofs
and code generation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

import sympy as sp

__all__ = ["Step", "Chain", "Derivation", "dmul", "dadd", "dneg", "dfrac"]


# --- display forms: unevaluated nodes, printed in the order written -------------------

def dmul(*args: sp.Expr) -> sp.Expr:
    """An unevaluated product, factors in the order given."""
    return sp.Mul(*args, evaluate=False)


def dadd(*args: sp.Expr) -> sp.Expr:
    """An unevaluated sum, terms in the order given."""
    return sp.Add(*args, evaluate=False)


def dneg(arg: sp.Expr) -> sp.Expr:
    """``-arg``, kept as a factor -1."""
    return sp.Mul(sp.S.NegativeOne, arg, evaluate=False)


def dfrac(num: sp.Expr, den: sp.Expr) -> sp.Expr:
    """``num / den`` as written (not cancelled)."""
    return sp.Mul(num, sp.Pow(den, -1, evaluate=False), evaluate=False)


@dataclass(frozen=True)
class Step:
    """One equation of a derivation: ``lhs = expr``.

    Attributes:
        name: stable identifier, also the stem of LaTeX labels (``eq:conv1d-<name>``).
        title: a few words naming the step ("Number of filters").
        lhs: the quantity being defined or rewritten (a symbol).
        expr: display form of the right-hand side (may be unevaluated).
        justification: one line saying what this step does.
        condition: the case this step holds in ("bias", "no bias"), or "" if always.

    Consecutive steps with the same ``lhs`` and the same ``condition`` are
    rewrites of each other and are proved equal.
    """

    name: str
    title: str
    lhs: sp.Expr
    expr: sp.Expr
    justification: str
    condition: str = ""

    def canonical(self) -> sp.Expr:
        """The evaluated right-hand side (display structure dropped)."""
        return self.expr.doit()


@dataclass(frozen=True)
class Chain:
    """An ordered chain of steps whose consecutive right-hand sides are equal.

    ``definitions`` maps intermediate symbols (ψ, λ, γ) to their canonical
    expressions; :meth:`expanded` substitutes them so that any two steps can
    be compared as expressions of the layer parameters alone.
    """

    name: str
    title: str
    steps: tuple[Step, ...]
    definitions: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, key: int | str) -> Step:
        if isinstance(key, str):
            for step in self.steps:
                if step.name == key:
                    return step
            raise KeyError(key)
        return self.steps[key]

    def expanded(self, step: Step) -> sp.Expr:
        """Canonical right-hand side of ``step`` with ψ, λ, γ substituted."""
        return step.canonical().xreplace(dict(self.definitions))

    def pairs(self) -> Iterator[tuple[Step, Step]]:
        """Consecutive pairs of steps, each of which must be an identity."""
        return zip(self.steps, self.steps[1:])

    @property
    def result(self) -> Step:
        return self.steps[-1]


@dataclass(frozen=True)
class Derivation:
    """A layer's full derivation: definitions, then one chain per variant."""

    layer: str
    definitions: tuple[Step, ...]
    chains: tuple[Chain, ...]
    #: the layer's symbols and their names (a specification's ``notation``); empty: Conv1d's
    notation: Mapping[sp.Symbol, Any] = field(default_factory=dict, compare=False, repr=False)

    def chain(self, name: str) -> Chain:
        for ch in self.chains:
            if ch.name == name:
                return ch
        raise KeyError(name)

    def definition(self, name: str) -> Step:
        for step in self.definitions:
            if step.name == name:
                return step
        raise KeyError(name)

    def _repr_markdown_(self) -> str:
        """In a notebook: each step's title and justification, and its equation as display
        math printed from the step's expression; one section per chain."""
        from .printing.display import derivation_markdown

        return derivation_markdown(self)

    def _repr_latex_(self) -> str:
        """The equations alone (definitions, then each chain), as display math."""
        from .printing.display import derivation_latex

        return derivation_latex(self)
