"""Machine-checked identities: an exact decision plus an independent integer witness.

:func:`prove` decides ``lhs == rhs`` *exactly*: the difference, put over a
common denominator with :func:`sympy.cancel`, must be the zero rational
function. As a second, independent witness both sides are evaluated exactly
(SymPy integers and rationals, never floats) at random integer points that
satisfy the layer's assumptions — sizes positive, padding non-negative,
``G | C_in`` and ``G | C_out``. An identity holds only if both agree.

A false identity comes back with ``holds=False`` and a concrete
counterexample: a point where the two sides differ, with both values.

:func:`prove_integer` shows that an expression is an integer for every valid
configuration: after ``C_in = G·c`` and ``C_out = G·o`` it must be a
polynomial with integer coefficients.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Sequence

import sympy as sp

from ._draws import below, same_draws
from .exact_eval import compile_exact, is_exact_number, to_sympy
from .conv1d import BIAS, IDENTITIES, INTEGRALITY, Identity, Integrality, integer_form
from .spec import LayerSpec, Sampler
from .symbols import C_in, C_out, G, INFO, c, o, p

__all__ = ["ProofResult", "ProofReport", "prove", "prove_integer", "prove_conv1d", "prove_layer", "sample_point",
           "ASSUMPTIONS", "CHECKS", "run_check", "prove_transposed_forms",
           "prove_transposed_totals"]

#: The assumptions every proof states (and every witness point satisfies).
ASSUMPTIONS: tuple[str, ...] = (
    "N, C_in, C_out, L_in, L_out, K, G, s, d are positive integers",
    "p is a non-negative integer; b (bias) is 0 or 1",
    "G divides C_in and C_out",
)

_EXACT = "exact: cancel(lhs - rhs) == 0 as a rational function"
_POLY = "exact: integer-coefficient polynomial after C_in = G*c, C_out = G*o"


@dataclass(frozen=True)
class ProofResult:
    """Outcome of one proof.

    Attributes:
        name: short name of the identity.
        statement: what is claimed, in words.
        holds: the verdict; ``bool(result)`` is the same.
        method: how it was decided (exact method; witness).
        residual: the cancelled difference ``lhs - rhs`` (0 when it holds), or
            for integrality the polynomial form.
        counterexample: a point (symbol name -> int) where the claim fails.
        counterexample_values: ``(lhs, rhs)`` at that point (for integrality,
            the non-integer value and its nearest integer).
        assumptions: the assumptions the proof used.
        witness_points: how many random integer points were evaluated.
    """

    name: str
    statement: str
    holds: bool
    method: str
    residual: sp.Expr
    counterexample: Mapping[str, int] | None = None
    counterexample_values: tuple[sp.Expr, sp.Expr] | None = None
    assumptions: tuple[str, ...] = ASSUMPTIONS
    witness_points: int = 0
    lhs: sp.Expr | None = field(default=None, repr=False)
    rhs: sp.Expr | None = field(default=None, repr=False)

    def __bool__(self) -> bool:
        return self.holds

    @property
    def verdict(self) -> str:
        return "holds" if self.holds else "FAILS"

    def describe(self) -> str:
        """One or two lines for a terminal."""
        text = f"{self.verdict:5}  {self.name}  [{self.method}]"
        if self.counterexample is not None:
            point = ", ".join(f"{k}={v}" for k, v in self.counterexample.items())
            a, b = self.counterexample_values or ("?", "?")
            text += f"\n       counterexample: {point}: {a} != {b}"
        return text

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """IPython's plain text: :meth:`describe` (``repr`` stays the dataclass's)."""
        printer.text(self.describe())

    def _repr_html_(self) -> str:
        """In a notebook: a one-row table (✓/✗, claim, statement, method, counterexample)."""
        from .printing.display import proofs_html

        return proofs_html([self])


class ProofReport(list):
    """A list of :class:`ProofResult` (what :func:`prove_conv1d` and :func:`prove_layer`
    return) that reads as a report: ``print`` gives one line per claim (two for a
    counterexample) and the tally, a notebook a table of claims with ✓/✗ and
    counterexamples. It stays a list (``bool`` is non-empty); :attr:`all_hold` is the verdict."""

    @property
    def all_hold(self) -> bool:
        """Every claim holds (and there is one)."""
        return len(self) > 0 and all(r.holds for r in self)

    @property
    def failed(self) -> list[ProofResult]:
        return [r for r in self if not r.holds]

    def __str__(self) -> str:
        held = sum(1 for r in self if r.holds)
        return "\n".join([r.describe() for r in self] + [f"{held}/{len(self)} claims hold"])

    def __repr__(self) -> str:
        held = sum(1 for r in self if r.holds)
        return f"ProofReport([{held}/{len(self)} claims hold])"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(repr(self) if cycle else str(self))

    def _repr_html_(self) -> str:
        from .printing.display import proofs_html

        return proofs_html(self)


#: Conv1d's sampler: G divides both channel counts, p may be 0, b is 0 or 1.
_CONV1D_SAMPLER = Sampler(divides=((G, C_in), (G, C_out)), nonnegative=frozenset({p}),
                          binary=frozenset({BIAS}))


def _point_drawer(symbols: Iterable[sp.Symbol], sampler: Sampler | None = None,
                  high: int = 40) -> Callable[[random.Random], dict[sp.Symbol, int]]:
    """The point generator of :func:`sample_point` for ``symbols``, planned once: called with
    a ``random.Random`` it draws the same values, in the same order, as ``sample_point``
    (as Python ints)."""
    sampler = sampler or _CONV1D_SAMPLER
    symbols = set(symbols)
    divisors = {x: g for g, x in sampler.divides}
    groups = sorted(set(divisors.values()), key=lambda x: x.name)
    plan = []  # (symbol, kind, argument) in drawing order
    for g in groups:
        plan.append((g, "range", (1, 8)))
    for sym in sorted(symbols - set(groups), key=lambda x: x.name):
        if sym in divisors:
            plan.append((sym, "multiple", divisors[sym]))
        elif sym in sampler.binary:
            plan.append((sym, "range", (0, 1)))
        elif sym in sampler.nonnegative:
            plan.append((sym, "range", (0, high)))
        else:
            plan.append((sym, "range", (1, high)))
    keep = tuple(sym for sym, _, _ in plan if sym in symbols)

    def draw(rng: random.Random) -> dict[sp.Symbol, int]:
        point: dict[sp.Symbol, int] = {}
        for sym, kind, arg in plan:
            if kind == "multiple":
                point[sym] = point[arg] * rng.randint(1, 8)
            else:
                point[sym] = rng.randint(*arg)
        return {sym: point[sym] for sym in keep}

    if not same_draws():
        return draw
    # the same numbers as randint(lo, hi) = lo + randrange(hi - lo + 1), drawn without its calls
    fast = tuple((sym, arg, 1, 8) if kind == "multiple"
                 else (sym, None, arg[0], arg[1] - arg[0] + 1) for sym, kind, arg in plan)

    def draw_fast(rng: random.Random) -> dict[sp.Symbol, int]:
        point: dict[sp.Symbol, int] = {}
        for sym, factor, lo, n in fast:
            value = lo + below(rng, n)
            point[sym] = value if factor is None else point[factor] * value
        return {sym: point[sym] for sym in keep}

    return draw_fast


def sample_point(symbols: Iterable[sp.Symbol], rng: random.Random,
                 high: int = 40, sampler: Sampler | None = None) -> dict[sp.Symbol, sp.Integer]:
    """A random integer point satisfying the assumptions for ``symbols``.

    ``sampler`` (a layer's :class:`~symconv.spec.Sampler`; Conv1d's by default)
    says which symbols are drawn as multiples of another (``C_in``, ``C_out``
    of ``G``), which may be 0 (padding) and which are 0 or 1 (``b``); every
    other symbol is a positive integer up to ``high``.
    """
    point = _point_drawer(symbols, sampler, high)(rng)
    return {sym: sp.Integer(v) for sym, v in point.items()}


def _evaluate(expr: sp.Expr, point: Mapping[sp.Symbol, int]) -> sp.Expr:
    """``expr`` at ``point`` by SymPy substitution (the reference the compiled witness is
    tested against, and its fallback)."""
    return sp.sympify(expr).xreplace({s: sp.Integer(v) for s, v in point.items()})


@lru_cache(maxsize=512)
def _compiled(expr: sp.Expr, args: tuple[sp.Symbol, ...]):
    return compile_exact(expr, args)


def exact_evaluator(expr: sp.Expr, args: Sequence[sp.Symbol]
                    ) -> Callable[[Mapping[sp.Symbol, int]], object]:
    """``point -> value of expr``, exact: the expression compiled once to Python integer and
    :class:`fractions.Fraction` arithmetic (:func:`symconv.exact_eval.compile_exact`); SymPy
    substitution where it cannot be compiled, or where the compiled code raises or returns
    anything but an int or a Fraction at a point. ``args`` must hold every free symbol."""
    expr = sp.sympify(expr)
    args = tuple(args)
    function = _compiled(expr, args)
    if function is None:
        return lambda point: _evaluate(expr, point)

    def evaluate(point: Mapping[sp.Symbol, int]):
        try:
            value = function(*[point[a] for a in args])
        except Exception:  # noqa: BLE001 - whatever went wrong there, SymPy decides
            return _evaluate(expr, point)
        return value if is_exact_number(value) else _evaluate(expr, point)

    return evaluate


def _is_integer(value) -> bool:
    if type(value) is int:
        return True
    if type(value) is Fraction:
        return value.denominator == 1
    return bool(getattr(value, "is_Integer", False))


def _named(point: Mapping[sp.Symbol, sp.Integer]) -> dict[str, int]:
    return {INFO[s].unicode if s in INFO else s.name: int(v) for s, v in point.items()}


#: Most witness points a proof takes: the exact decision is the proof, the points a
#: check of it; beyond this more points add run time (hours), not certainty.
MAX_SAMPLES = 100_000


def _check_samples(samples: object) -> int:
    """``samples`` must be an int in [1, MAX_SAMPLES]: a proof needs at least one witness point."""
    if isinstance(samples, bool) or not isinstance(samples, int):
        raise TypeError(f"samples must be an int, got {samples!r} ({type(samples).__name__}): "
                        "the number of witness points is an integer >= 1")
    if samples < 1:
        raise ValueError(f"samples must be >= 1, got {samples}: a proof checks at least one "
                         "witness point")
    if samples > MAX_SAMPLES:
        raise ValueError(f"samples must be <= {MAX_SAMPLES:,}, got {samples:,}: the exact "
                         "decision is the proof; more witness points only add run time")
    return samples


def _witness(lhs: sp.Expr, rhs: sp.Expr, samples: int, seed: int,
             sampler: Sampler | None = None):
    """Evaluate both sides exactly at random valid points; first difference or None."""
    rng = random.Random(seed)
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    free = lhs.free_symbols | rhs.free_symbols
    args = tuple(sorted(free, key=lambda x: x.name))
    draw = _point_drawer(free, sampler)
    left, right = exact_evaluator(lhs, args), exact_evaluator(rhs, args)
    for _ in range(samples):
        point = draw(rng)
        a, b = left(point), right(point)
        if a != b:
            return point, (to_sympy(a), to_sympy(b))
    return None


def prove(lhs: sp.Expr, rhs: sp.Expr, *, name: str = "identity", statement: str = "",
          samples: int = 200, seed: int = 0, sampler: Sampler | None = None,
          assumptions: tuple[str, ...] | None = None) -> ProofResult:
    """Decide ``lhs == rhs`` exactly, with an integer-point witness.

    Args:
        lhs, rhs: SymPy expressions over the layer symbols.
        name, statement: how the identity is reported.
        samples: number of random integer points for the witness (and for
            the counterexample search when the exact decision fails); an int
            >= 1 (``TypeError`` / ``ValueError`` naming ``samples`` otherwise).
        seed: seed of the point generator (results are reproducible).
        sampler, assumptions: a layer's :class:`~symconv.spec.Sampler` and the
            assumptions stated with the result (Conv1d's by default;
            :func:`prove_layer` passes the layer's own).

    Returns:
        A :class:`ProofResult`; ``holds`` is True only if the difference
        cancels to 0 *and* every witness point agrees. Otherwise it carries a
        counterexample whenever one was found.
    """
    _check_samples(samples)
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    residual = sp.cancel(sp.together(lhs - rhs))
    assumptions = ASSUMPTIONS if assumptions is None else assumptions
    found = _witness(lhs, rhs, samples, seed, sampler)
    if residual == 0 and found is None:
        return ProofResult(name, statement, True,
                           f"{_EXACT}; exact evaluation agrees at {samples} random valid integer points",
                           residual, None, None, assumptions, samples, lhs, rhs)
    if found is None:  # nonzero rational function that vanished on every sample: widen the search
        found = _witness(lhs, rhs, samples * 20, seed + 1, sampler)
    method = (_EXACT.replace("== 0", f"= {residual} != 0") if residual != 0
              else f"{_EXACT}, but the integer witness disagrees")
    point, values = (found if found is not None else (None, None))
    return ProofResult(name, statement, False, method, residual,
                       _named(point) if point is not None else None, values,
                       assumptions, samples, lhs, rhs)


def prove_integer(expr: sp.Expr, *, name: str = "integrality", statement: str = "",
                  samples: int = 200, seed: int = 0, sampler: Sampler | None = None,
                  assumptions: tuple[str, ...] | None = None) -> ProofResult:
    """Show that ``expr`` is an integer whenever ``G | C_in`` and ``G | C_out``.

    Substitutes ``C_in = G·c``, ``C_out = G·o`` and requires an expanded
    polynomial with integer coefficients in the remaining symbols. If not,
    searches for a valid integer point where the value is not an integer.
    """
    _check_samples(samples)
    assumptions = ASSUMPTIONS if assumptions is None else assumptions
    form = integer_form(sp.sympify(expr))
    gens = sorted(form.free_symbols, key=lambda x: x.name)
    ok = False
    if gens:
        try:
            poly = sp.Poly(form, *gens)
            ok = all(coeff.is_Integer for coeff in poly.coeffs())
        except sp.PolynomialError:
            ok = False
    else:
        ok = form.is_Integer is True
    rng = random.Random(seed)
    bad = None
    drawn = set(gens) | {G}
    draw = _point_drawer(drawn, sampler)
    evaluate = exact_evaluator(form, tuple(sorted(drawn, key=lambda x: x.name)))
    for _ in range(samples if ok else samples * 20):
        point = draw(rng)
        value = evaluate(point)
        if not _is_integer(value):
            full = {**point, C_in: point[G] * point.get(c, 1), C_out: point[G] * point.get(o, 1)}
            shown = {s: v for s, v in full.items() if s in sp.sympify(expr).free_symbols}
            value = to_sympy(value)
            bad = (shown, (value, sp.floor(value)))
            break
    if ok and bad is None:
        return ProofResult(name, statement, True,
                           f"{_POLY}; exact evaluation integral at {samples} random valid points",
                           form, None, None, assumptions, samples, sp.sympify(expr), form)
    return ProofResult(name, statement, False,
                       f"{_POLY}: not an integer polynomial: {form}" if not ok
                       else f"{_POLY}, but a witness point is not integral",
                       form, _named(bad[0]) if bad else None, bad[1] if bad else None,
                       assumptions, samples, sp.sympify(expr), form)


def prove_identity(identity: Identity, **kwargs) -> ProofResult:
    return prove(identity.lhs, identity.rhs, name=identity.name, statement=identity.statement, **kwargs)


def prove_integrality(claim: Integrality, **kwargs) -> ProofResult:
    return prove_integer(claim.expr, name=claim.name, statement=claim.statement, **kwargs)


def prove_conv1d(samples: int = 200, seed: int = 0) -> ProofReport:
    """Every Conv1d identity and integrality claim, proved (``samples`` >= 1 witness points)."""
    _check_samples(samples)
    results = [prove_identity(i, samples=samples, seed=seed) for i in IDENTITIES]
    results += [prove_integrality(i, samples=samples, seed=seed) for i in INTEGRALITY]
    return ProofReport(results)


def prove_layer(layer: str | LayerSpec, samples: int = 200, seed: int = 0) -> ProofReport:
    """Every identity and integrality claim of a registered layer, proved.

    ``layer`` is a name of :data:`symconv.registry.LAYERS` (``"conv2d"``) or a
    specification; its sampler decides the witness points and its assumptions
    are stated with each result.
    """
    from .registry import get

    _check_samples(samples)
    spec = get(layer)
    kw = dict(samples=samples, seed=seed, sampler=spec.sampler, assumptions=spec.assumptions())
    # A claim stated twice (the same two sides under two names: a chain step that is also a
    # stated identity) is decided once; each name gets the verdict.
    decided: dict[tuple, ProofResult] = {}

    def once(key: tuple, run: Callable[[], ProofResult], name: str, statement: str
             ) -> ProofResult:
        if key not in decided:
            decided[key] = run()
        return replace(decided[key], name=name, statement=statement)

    results = [once(("identity", sp.sympify(i.lhs), sp.sympify(i.rhs)),
                    lambda i=i: prove(i.lhs, i.rhs, name=i.name, statement=i.statement, **kw),
                    i.name, i.statement)
               for i in spec.identities]
    results += [once(("integer", sp.sympify(i.expr)),
                     lambda i=i: prove_integer(i.expr, name=i.name, statement=i.statement, **kw),
                     i.name, i.statement)
                for i in spec.integrality]
    for check in spec.checks:  # e.g. a transposed layer's closed forms of T and R
        results += run_check(check, samples=samples, seed=seed)
    return ProofReport(results)


# --- transposed convolutions: the totals and the closed forms of T and R ------------------------
# (here, not in symconv.convtranspose: a specification names its checks, CHECKS runs them, so
# that the layer modules the registry imports never import this module)

def prove_transposed_totals(samples: int = 200, seed: int = 0) -> list[ProofResult]:
    """Every identity of :data:`symconv.convtranspose.TOTAL_IDENTITIES` and the integrality of
    the counts (over T, R, ∏in, ∏K), decided exactly by :func:`prove` /
    :func:`prove_integer`."""
    from . import convtranspose as ct
    from .symbols import C_in as cin, C_out as cout, G as g

    sampler = Sampler(divides=((g, cin), (g, cout)),
                      nonnegative=frozenset({ct.T_SYM, ct.R_SYM}), binary=frozenset({ct.BIAS}))
    results = [prove(lhs, rhs, name=name, statement=name, samples=samples, seed=seed,
                     sampler=sampler) for name, lhs, rhs in ct.TOTAL_IDENTITIES]
    for name, expr in ct.totals().items():
        results.append(prove_integer(expr, name=f"{name} is an integer",
                                     statement=f"{name} is an integer polynomial once "
                                               "C_in = G c, C_out = G o",
                                     samples=samples, seed=seed, sampler=sampler))
    return results


def form_result(check) -> ProofResult:
    """A :class:`symconv.convtranspose.FormCheck` as a :class:`ProofResult`: a claimed form
    holds; a deliberately wrong form must be refuted (it holds as the claim "refuted", with
    the counterexample shown)."""
    form = check.form
    if form.claimed:
        holds = check.holds
        name = f"form: {form.name}"
        statement = f"{form.quantity} of one dimension equals this form when {form.condition}"
    else:
        holds = not check.holds
        name = f"refuted: {form.name}"
        statement = (f"this wrong form of {form.quantity} (condition: {form.condition}) is "
                     "refuted by a counterexample")
    values = None
    if check.values is not None:
        values = (sp.Integer(check.values[0]), sp.Integer(check.values[1]))
    return ProofResult(name, statement, holds, check.method, sp.S.Zero if holds else sp.nan,
                       check.counterexample, values,
                       ("L_in, K, s, d are positive integers; p >= 0; 0 <= op < max(s, d); "
                        "out >= 1",), check.points, form.expr, None)


@lru_cache(maxsize=8)
def _checked_forms(bound: int, seed: int) -> tuple:
    from .convtranspose import check_forms

    return tuple(check_forms(bound, seed=seed))


def prove_transposed_forms(samples: int = 200, seed: int = 0,
                           bound: int | None = None) -> list[ProofResult]:
    """The closed forms of T and R of one dimension (:data:`symconv.convtranspose.FORMS`, each
    checked by :func:`symconv.convtranspose.check_form` with its own witness counts:
    exhaustively over the bounded domain, then 300 random points beyond it and 300 large
    ones, drawn from ``seed``), the deliberately wrong forms (``WRONG_FORMS``, each refuted
    with a counterexample), and the two symbolic proofs of the no-cropping forms.

    ``samples`` (the identities' witness count) does not change these checks. The forms are
    the same for every transposed layer (one dimension; n dimensions multiply), so the
    checks are cached per seed.
    """
    from . import convtranspose as ct

    del samples  # the checks' witness counts are their own (see above)
    results = [form_result(check) for check in
               _checked_forms(ct.DEFAULT_BOUND if bound is None else bound, seed)]
    for name, prover, what in (("T, no cropping (symbolic)", ct.prove_no_cropping_products,
                                "T = L_in K when p = 0"),
                               ("R, no cropping (symbolic)", ct.prove_no_cropping_reached,
                                "R = min(K, q) L_in + max(0, K - q) min(L_in, d') when p = 0")):
        holds, steps = prover()
        results.append(ProofResult(f"form: {name}", what, holds,
                                   "decided by SymPy after the floor lemmas (L1, L2): "
                                   + "; ".join(steps[-2:]), sp.S.Zero if holds else sp.nan,
                                   assumptions=("L_in, K, s, d are positive integers; "
                                                "op >= 0",), witness_points=0))
    return results


#: The checks a specification may name in :attr:`~symconv.spec.LayerSpec.checks`, by name:
#: each ``(samples=, seed=) -> list[ProofResult]``.
CHECKS = {"transposed forms": prove_transposed_forms}


def run_check(check, samples: int = 200, seed: int = 0) -> list[ProofResult]:
    """Run one entry of a specification's ``checks``: a name of :data:`CHECKS`, or a function
    ``(samples=, seed=) -> list[ProofResult]``."""
    function = CHECKS[check] if isinstance(check, str) else check
    return function(samples=samples, seed=seed)
