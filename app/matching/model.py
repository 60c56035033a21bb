"""Fellegi-Sunter match model: per field and level, m = P(level | same person) and
u = P(level | different people); a pair's weight is the sum of log2(m/u) over its fields.

Trained on the data itself, unsupervised: u from random record pairs (almost all of them
different people), m by expectation-maximisation over the candidate pairs. Patterns of
levels are few (thousands), so EM runs over pattern counts, not pairs. Inputs too small
to learn from use the shipped ``DEFAULT`` parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from app.matching.compare import FIELDS

F64 = npt.NDArray[np.float64]
_EPS = 1e-6
_U_MIN = 1e-15  # measured u of an identifier can be far below _EPS
RADIX = np.array([len(f.levels) + 1 for f in FIELDS], dtype=np.int64)
MIN_PAIRS_TO_TRAIN = 5_000


@dataclass
class Model:
    """m and u per field (index 0 = level 1) and the prior share of matches."""

    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float
    trained_on: int = 0
    iterations: int = 0
    notes: list[str] = field(default_factory=list)

    def weights(self) -> list[F64]:
        """log2(m/u) per field, with a 0 for level 0 (missing) in front."""
        out = []
        for f in FIELDS:
            m = np.clip(np.asarray(self.m[f.name], dtype=np.float64), _EPS, 1)
            u = np.clip(np.asarray(self.u[f.name], dtype=np.float64), _U_MIN, 1)
            out.append(np.concatenate([[0.0], np.log2(m / u)]))
        return out

    def to_json(self) -> str:
        return json.dumps({"m": self.m, "u": self.u, "prior": self.prior})

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        return cls(data["m"], data["u"], float(data["prior"]))


def pattern_codes(levels: npt.NDArray[np.int8]) -> npt.NDArray[np.int64]:
    """One integer per level vector (mixed radix over the fields)."""
    code = np.zeros(len(levels), dtype=np.int64)
    for j, r in enumerate(RADIX.tolist()):
        code = code * r + levels[:, j]
    return code


def decode(codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    out = np.zeros((len(codes), len(RADIX)), dtype=np.int64)
    rest = codes.copy()
    for j in range(len(RADIX) - 1, -1, -1):
        out[:, j] = rest % RADIX[j]
        rest //= RADIX[j]
    return out


def pattern_weights(model: Model, patterns: npt.NDArray[np.int64]) -> F64:
    """Total log2 Bayes factor of each level pattern (rows of ``decode``)."""
    w = model.weights()
    total = np.zeros(len(patterns))
    for j in range(len(FIELDS)):
        total += w[j][patterns[:, j]]
    return total


def probability(model: Model, bayes_log2: F64) -> F64:
    """Posterior probability of a match given the total log2 Bayes factor."""
    prior = min(max(model.prior, 1e-9), 1 - 1e-9)
    logit = bayes_log2 + np.log2(prior / (1 - prior))
    return np.asarray(1.0 / (1.0 + np.exp2(-np.clip(logit, -60, 60))))


def estimate_u(levels: npt.NDArray[np.int8]) -> dict[str, list[float]]:
    """u from the levels of random pairs (Laplace-smoothed, missing excluded)."""
    out: dict[str, list[float]] = {}
    for j, f in enumerate(FIELDS):
        counts = np.bincount(levels[:, j], minlength=len(f.levels) + 1)[1:].astype(float) + 1
        out[f.name] = (counts / counts.sum()).tolist()
    return out


def _em(
    pats: npt.NDArray[np.int64], c: F64, start: Model, free: set[str], *, fit_m: bool, max_iter: int
) -> Model:
    """EM over level patterns; only ``free`` fields enter the likelihood (the fields a
    session was blocked on are conditioned on, not evidence). Updates m of free fields
    when ``fit_m``, and the prior."""
    model = Model({k: list(v) for k, v in start.m.items()}, start.u, start.prior)
    use = [j for j, f in enumerate(FIELDS) if f.name in free]
    for it in range(1, max_iter + 1):
        w = model.weights()
        total = np.zeros(len(pats))
        for j in use:
            total += w[j][pats[:, j]]
        p = probability(model, total)
        weight = c * p
        new_m = {k: list(v) for k, v in model.m.items()}
        if fit_m:
            for j in use:
                f = FIELDS[j]
                sums = np.bincount(pats[:, j], weights=weight, minlength=len(f.levels) + 1)[1:]
                new_m[f.name] = ((sums + 0.5) / (sums.sum() + 0.5 * len(sums))).tolist()
        prior = float(np.clip(weight.sum() / c.sum(), 1e-6, 1 - 1e-6))
        delta = abs(prior - model.prior) + max(
            float(np.max(np.abs(np.subtract(new_m[f], model.m[f])))) for f in new_m
        )
        model = Model(new_m, model.u, prior, iterations=it)
        if delta < 1e-5:
            break
    return model


def _patterns(levels: npt.NDArray[np.int8]) -> tuple[npt.NDArray[np.int64], F64]:
    counts = np.bincount(pattern_codes(levels), minlength=int(np.prod(RADIX)))
    present = np.flatnonzero(counts)
    return decode(present), counts[present].astype(float)


def train(
    levels: npt.NDArray[np.int8],
    u: dict[str, list[float]],
    n_records: int,
    agree_pairs: dict[str, float] | None = None,
    *,
    max_iter: int = 60,
) -> Model:
    """Unsupervised m and prior, Splink-style: EM sessions on pairs that agree exactly on
    one strong field, with that field left out of the evidence (blocking on a field makes
    it useless as evidence and would drag EM into "everything matches")."""
    names = {f.name for f in FIELDS}
    col = {f.name: j for j, f in enumerate(FIELDS)}
    start = Model({k: list(v) for k, v in DEFAULT.m.items()}, u, 0.5)
    m = {k: list(v) for k, v in DEFAULT.m.items()}
    notes: list[str] = []
    # Session 1: same e-mail -> m of every other field.
    sel = levels[:, col["email"]] == 1
    if sel.sum() >= 500:
        pats, c = _patterns(levels[sel])
        fit = _em(pats, c, start, names - {"email"}, fit_m=True, max_iter=max_iter)
        for f in names - {"email"}:
            m[f] = fit.m[f]
        notes.append(f"session same e-mail: {int(sel.sum())} pairs")
    # Session 2: same first, last name and birth date or phone -> m of e-mail.
    sel = (
        (levels[:, col["first"]] == 1)
        & (levels[:, col["last"]] == 1)
        & ((levels[:, col["dob"]] == 1) | (levels[:, col["phone"]] == 1))
    )
    if sel.sum() >= 500:
        pats, c = _patterns(levels[sel])
        fit = _em(pats, c, start, {"email", "zip", "address"}, fit_m=True, max_iter=max_iter)
        m["email"] = fit.m["email"]
        notes.append(f"session same name + DOB/phone: {int(sel.sum())} pairs")
    u = agreement_u(levels, m, u, agree_pairs or {}, n_records, notes, max_iter=max_iter)
    prior = random_pair_prior(levels, m, n_records)
    notes.append(f"prior {prior:.3g} per random pair")
    return Model(m, u, prior, trained_on=len(levels), notes=notes)


# Identifier fields whose exact agreement is too rare for random pairs to measure.
EXACT_FIELDS = ("email", "phone", "address", "dob")
# However clean a field looks, at least this share of the pairs agreeing on it are
# assumed to be different people (a family inbox, a recycled number).
MIN_NONMATCH_SHARE = 0.002
# Evidence for those sessions: what belongs to one person. A household shares phone,
# address and ZIP, so with those as evidence its pairs would look like one person.
PERSONAL = frozenset({"first", "last", "email", "dob"})
# Fields a household shares (the surname mostly): no evidence among phone/address sharers.
HOUSEHOLD_SHARED = frozenset({"last", "zip", "phone", "address"})


def agreement_u(
    levels: npt.NDArray[np.int8],
    m: dict[str, list[float]],
    u: dict[str, list[float]],
    agree_pairs: dict[str, float],
    n_records: int,
    notes: list[str],
    *,
    max_iter: int = 60,
) -> dict[str, list[float]]:
    """u of "same" for identifier fields, measured instead of sampled.

    A few hundred thousand random pairs hold no two records sharing an e-mail, so a
    sampled u is just its smoothing (~1/sample) -- far too high, and one shared e-mail
    could then never outweigh the tiny prior. Instead: of all record pairs agreeing on the
    field (``agree_pairs``, counted exactly from value frequencies), those that are not
    matches found among the candidates agreeing on it; EM estimates that match share
    from the personal fields alone (``PERSONAL``, minus the field itself, and for a phone
    or an address minus the surname, which a household shares too).
    """
    out = {k: list(v) for k, v in u.items()}
    col = {f.name: j for j, f in enumerate(FIELDS)}
    start = Model(m, u, 0.5)
    total = max(n_records * (n_records - 1) / 2, 1.0)
    for name in EXACT_FIELDS:
        agreeing = agree_pairs.get(name, 0.0)
        sel = levels[:, col[name]] == 1
        if agreeing <= 0 or sel.sum() < 200:
            continue
        pats, c = _patterns(levels[sel])
        evidence = PERSONAL - {name} - (HOUSEHOLD_SHARED if name in HOUSEHOLD_SHARED else set())
        fit = _em(pats, c, start, set(evidence), fit_m=False, max_iter=max_iter)
        found = min(fit.prior * float(sel.sum()), agreeing)
        nonmatch = max(agreeing - found, agreeing * MIN_NONMATCH_SHARE)
        same = max(nonmatch / total, 1e-15)
        rest = np.asarray(out[name][1:], dtype=np.float64)
        rest = rest / max(rest.sum(), 1e-12) * (1.0 - same)
        out[name] = [same, *rest.tolist()]
        notes.append(
            f"u({name} same) {same:.3g}: {nonmatch / agreeing:.2%} of agreeing pairs differ"
        )
    return out


def random_pair_prior(
    levels: npt.NDArray[np.int8], m: dict[str, list[float]], n_records: int
) -> float:
    """P(two random records are the same person). u comes from random pairs, so this is
    the prior that keeps the posterior calibrated. Estimated from the pairs that agree on
    first name, last name and e-mail (near-certain matches), scaled up by the share of
    true matches that agree on all three (from m)."""
    col = {f.name: j for j, f in enumerate(FIELDS)}
    sure = int(
        (
            (levels[:, col["first"]] == 1)
            & (levels[:, col["last"]] == 1)
            & (levels[:, col["email"]] == 1)
        ).sum()
    )
    share = m["first"][0] * m["last"][0] * m["email"][0]
    total_pairs = max(n_records * (n_records - 1) / 2, 1.0)
    return float(np.clip(sure / max(share, 1e-3) / total_pairs, 1e-12, 0.5))


# Parameters learned on the demo dealership's data (see bench/bench_matching.py), used for
# inputs with too few candidate pairs to learn from and as EM's starting point.
DEFAULT = Model(
    m={
        "first": [0.84, 0.07, 0.04, 0.02, 0.03],
        "last": [0.86, 0.04, 0.03, 0.07],
        "email": [0.91, 0.09],
        "phone": [0.9, 0.03, 0.07],
        "dob": [0.97, 0.02, 0.01],
        "zip": [0.9, 0.1],
        "address": [0.9, 0.01, 0.09],
    },
    u={
        "first": [0.006, 0.001, 0.002, 0.02, 0.971],
        "last": [0.0006, 0.0004, 0.003, 0.996],
        "email": [0.00001, 0.99999],
        "phone": [0.00001, 0.00004, 0.99995],
        "dob": [0.00005, 0.0005, 0.99945],
        "zip": [0.01, 0.99],
        "address": [0.00001, 0.00002, 0.99997],
    },
    prior=1e-5,
)
