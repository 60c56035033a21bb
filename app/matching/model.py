"""The match model: a Fellegi-Sunter model with a third class for people who live
together, learned from the file in front of it.

A record pair is one of three kinds: the same person (M), two people of one household --
sharing a home or a phone: spouses, parent and child, twins, flatmates (H) -- or two
people with nothing in common (R). Per field and comparison level, m = P(level | M),
h = P(level | H), u = P(level | R), fields independent within each class. The posterior
P(M | levels) is the score: a calibrated probability.

Why three classes: two relatives agree on address, ZIP, town, phone and mostly surname
at once. Against random pairs (u) that agreement looks overwhelming; against H it is
expected, and what tells a person from a relative is left to the personal fields (first
name, birth date, e-mail, ids). That is the household guard as evidence, not a rule.

Learning (``train``), unsupervised, on the blocked candidate pairs:

- u from random record pairs (``scoring.estimate_u``), except the "same" level of fields
  where agreeing by chance is too rare to sample: that level is counted exactly from
  value frequencies (pairs agreeing on the value), less the agreeing pairs the model
  attributes to M and H (``_counted_u``);
- m, h and the two class priors (per random pair: lambda for M, eta for H) by EM over the
  candidates' level patterns, u held fixed. A candidate is scored exactly as a random
  pair would be (blocking only decides which pairs are looked at, through levels the
  model sees), so each class's expected count among the candidates, divided by all
  pairs of the file, is its prior.

Missing values are evidence too (``compare.MISSING_CODED``): per field, a field missing on
one record and missing on both are two more outcomes with their own m, h and u, learned
like the levels. A person who never gives a birth date gives none on any record; two
strangers' records lack one independently. A model whose lists have only the levels
(shipped defaults, models saved before) treats missing as no evidence.

Inputs too small to learn from use ``default_model(n)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from app.matching.compare import FIELDS, Field
from app.matching.level_patterns import RADIX

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
FIELD_COL = {f.name: j for j, f in enumerate(FIELDS)}
MIN_PAIRS_TO_TRAIN = 2_000
_FLOOR = 1e-9  # no level of a learned class is impossible
# Fields whose "same" level (level 1) is counted from value frequencies.
COUNTED = ("first", "last", "email", "phone", "dob", "location", "id")
# However clean a field looks, at least this share of the pairs agreeing on it are
# assumed to be strangers (a recycled number, a shared work e-mail).
MIN_STRANGER_SHARE = 0.002


@dataclass
class Model:
    """m, h and u per field (index 0 = level 1) and the two priors per random pair."""

    m: dict[str, list[float]]
    h: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float  # P(same person) for two records picked at random
    related: float  # P(same household, not the same person) for two random records
    trained_on: int = 0
    iterations: int = 0
    notes: list[str] = field(default_factory=list)

    def tables(self) -> tuple[list[F64], list[F64], list[F64]]:
        """Natural logs of m, h and u per field and matrix code (see ``RADIX``): the
        levels, and the two missing outcomes where all three classes have them (else 0,
        no evidence)."""
        out: tuple[list[F64], list[F64], list[F64]] = ([], [], [])
        for f in FIELDS:
            k_levels = len(f.levels)
            probs = [np.asarray(c[f.name], dtype=np.float64) for c in (self.m, self.h, self.u)]
            coded = all(len(p) == k_levels + 2 for p in probs)
            for k, p in enumerate(probs):
                logs = np.zeros(k_levels + 2)
                known = p[:k_levels] if coded else p[:k_levels] / max(p[:k_levels].sum(), 1e-300)
                logs[1 : k_levels + 1] = np.log(np.clip(known, 1e-300, 1))
                if coded:
                    logs[0] = np.log(max(p[k_levels], 1e-300))
                    logs[k_levels + 1] = np.log(max(p[k_levels + 1], 1e-300))
                out[k].append(logs)
        return out

    def missing_coded(self, name: str) -> bool:
        """Whether the model counts missing values of field ``name`` as evidence."""
        k_levels = len(FIELDS[FIELD_COL[name]].levels)
        return all(len(c[name]) == k_levels + 2 for c in (self.m, self.h, self.u))

    def known_share(self, probs: dict[str, list[float]], name: str) -> float:
        """P(both records have field ``name``) under one class's ``probs``."""
        k_levels = len(FIELDS[FIELD_COL[name]].levels)
        return float(sum(probs[name][:k_levels])) if self.missing_coded(name) else 1.0

    def log_priors(self) -> tuple[float, float, float]:
        lam = min(max(self.prior, 1e-15), 0.5)
        eta = min(max(self.related, 1e-15), 0.5)
        return float(np.log(lam)), float(np.log(eta)), float(np.log1p(-lam - eta))

    def weights(self) -> list[F64]:
        """log2(m/u) per field and level (0 for missing): the strength of each level as
        evidence of one person against strangers."""
        lm, _, lu = self.tables()
        return [(a - b) / np.log(2) for a, b in zip(lm, lu, strict=True)]

    def to_json(self) -> str:
        keys = ("m", "h", "u", "prior", "related")
        return json.dumps({k: getattr(self, k) for k in keys})

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        # A model saved before a field existed, or before one of its levels: that field
        # at its shipped values.
        for key, default in (("m", DEFAULT_M), ("h", DEFAULT_H), ("u", DEFAULT_U)):
            for name, probs in default.items():
                k_levels = len(FIELDS[FIELD_COL[name]].levels)
                if len(data[key].get(name, ())) not in (k_levels, k_levels + 2):
                    data[key][name] = list(probs)
        return cls(data["m"], data["h"], data["u"], float(data["prior"]), float(data["related"]))


def class_logs(model: Model, pats: I64) -> tuple[F64, F64, F64]:
    """log of prior x likelihood of each class for each level vector."""
    lm, lh, lu = model.tables()
    p_m, p_h, p_r = model.log_priors()
    out = [np.full(len(pats), p) for p in (p_m, p_h, p_r)]
    for j in range(len(FIELDS)):
        col = pats[:, j]
        out[0] += lm[j][col]
        out[1] += lh[j][col]
        out[2] += lu[j][col]
    return out[0], out[1], out[2]


def posteriors(lm: F64, lh: F64, lr: F64) -> tuple[F64, F64]:
    """P(M) and P(H) from the class logs."""
    top = np.maximum(np.maximum(lm, lh), lr)
    em, eh, er = np.exp(lm - top), np.exp(lh - top), np.exp(lr - top)
    total = em + eh + er
    return em / total, eh / total


def _normalised(counts: npt.NDArray[Any], prior: list[float], strength: float) -> list[float]:
    """Counts smoothed towards ``prior`` (a Dirichlet with ``strength`` pseudo-pairs);
    a prior of the levels only is spread over the missing outcomes too."""
    p = np.asarray(prior, dtype=np.float64)
    if len(p) < len(counts):
        p = np.concatenate([p / p.sum() * 0.8, np.full(len(counts) - len(p), 0.1)])
    out = (counts + strength * p / p.sum()) / (counts.sum() + strength)
    return np.clip(out, _FLOOR, 1).tolist()


def _outcomes(counts: npt.NDArray[Any], f: Field, coded: set[str]) -> F64:
    """Weighted counts per matrix code as a model list: the levels, then (for ``coded``
    fields) missing on one record and missing on both."""
    k_levels = len(f.levels)
    if f.name not in coded:
        return counts[1 : k_levels + 1]
    return np.concatenate([counts[1 : k_levels + 1], counts[[0, k_levels + 1]]])


def _levels_from(subset: F64, every: F64, k_levels: int) -> F64:
    """Counts with the levels shaped as on an anchored ``subset`` of the pairs and how
    often the field is missing as on ``every`` pair. Pairs sharing an anchor have that
    field; whether they have another depends on it (records of a system that keeps no
    phone number keep e-mails), so the subset says what agreement looks like, not how
    often a value is there."""
    if len(every) == k_levels:
        return subset
    known = subset[:k_levels] / max(float(subset[:k_levels].sum()), 1e-300)
    return np.concatenate([known * every[:k_levels].sum(), every[k_levels:]])


def _missing_as(probs: list[float], like: list[float], f: Field) -> list[float]:
    """``probs`` with the missing outcomes of ``like``. Two people of one household are
    two people: whether each record holds a value is as independent as for strangers.
    Learned freely instead, the household class would take in duplicates whose systems
    keep different fields (one record with an e-mail, the other without)."""
    k_levels = len(f.levels)
    if len(probs) != k_levels + 2 or len(like) != k_levels + 2:
        return probs
    p = np.asarray(probs, dtype=np.float64)
    known = p[:k_levels] / max(float(p[:k_levels].sum()), 1e-300)
    missing = np.asarray(like[k_levels:], dtype=np.float64)
    return np.concatenate([known * (1.0 - missing.sum()), missing]).tolist()


# What a household member is not: the same person. Two people of one home share a
# surname, an address, a phone, sometimes an e-mail; rarely a first name (a "Jr.") or a
# birth date (twins); never an id. EM may learn h below these caps, never above, so H
# cannot take over pairs that agree on what makes a person (a file without households
# then simply learns a household prior near 0). Level -> cap.
H_CAPS: dict[str, dict[int, float]] = {
    "first": {1: 0.1, 2: 0.02, 3: 0.05, 4: 0.05},
    "dob": {1: 0.05, 2: 0.05},
    "id": {1: 0.01, 2: 0.02},
    "email": {1: 0.3},
    # Two people of one home share a written Jr. (or Sr.) only by mistake.
    "suffix": {1: 0.05},
}


def _capped(probs: list[float], caps: dict[int, float]) -> list[float]:
    """``probs`` with the capped levels held at their caps, the rest rescaled."""
    p = np.asarray(probs, dtype=np.float64)
    over = [lv - 1 for lv, cap in caps.items() if p[lv - 1] > cap]
    if not over:
        return probs
    fixed = np.zeros(len(p), dtype=bool)
    for lv, cap in caps.items():
        if p[lv - 1] > cap:
            p[lv - 1] = cap
            fixed[lv - 1] = True
    free = ~fixed
    room = 1.0 - p[fixed].sum()
    p[free] = p[free] / max(p[free].sum(), 1e-300) * room
    return np.clip(p, _FLOOR, 1).tolist()


def _counted_u(
    model: Model, agree: dict[str, float], total: float, notes: list[str] | None = None
) -> dict[str, list[float]]:
    """u with the "same" level of ``COUNTED`` fields from exact agreement counts: of the
    pairs agreeing on the field, those neither M nor H explain are strangers."""
    out = {k: list(v) for k, v in model.u.items()}
    for name in COUNTED:
        agreeing = agree.get(name, 0.0)
        if agreeing <= 0:
            continue
        explained = total * (model.prior * model.m[name][0] + model.related * model.h[name][0])
        strangers = max(agreeing - explained, agreeing * MIN_STRANGER_SHARE)
        same = max(strangers / total, 1e-300) / max(1 - model.prior - model.related, 0.5)
        rest = np.asarray(out[name][1:], dtype=np.float64)
        rest = rest / max(rest.sum(), 1e-300) * (1.0 - same)
        out[name] = [same, *rest.tolist()]
        if notes is not None:
            notes.append(
                f"u({name} same) {same:.3g}: {strangers / agreeing:.2%} of the "
                f"{agreeing:,.0f} pairs agreeing on it are strangers"
            )
    return out


# Fields that one person rarely shares with anyone else. What a duplicate looks like
# (m) is counted on pairs sharing one of them: among pairs that agree on address, surname
# and birth date but not first name, twins and duplicates cannot be told apart, and EM
# would learn from the twins that a duplicate's first name is often "different". An
# anchor field's own m comes from pairs sharing another anchor: counted on all pairs, a
# duplicate with another e-mail scores low, so EM would learn that duplicates hardly
# ever have another e-mail, and so on.
ANCHORS = ("email", "id", "phone")
MIN_ANCHORED = 1_000


def _anchors(pats: I64, counts: F64) -> dict[str, npt.NDArray[np.bool_]]:
    """Per field, the level vectors (rows of ``pats``, ``counts`` pairs each) its m is
    counted on: those agreeing on an anchor field other than itself that this data has
    enough agreeing pairs on (no entry: all pairs)."""
    col = {f.name: j for j, f in enumerate(FIELDS)}
    agree = {name: pats[:, col[name]] == 1 for name in ANCHORS}
    usable = [name for name in ANCHORS if counts[agree[name]].sum() >= MIN_ANCHORED // 4]
    out = {}
    for f in FIELDS:
        # phone is shared by households: an anchor only where e-mail and id are too few
        strong = [g for g in usable if g != f.name and g != "phone"]
        for group in (strong, [g for g in usable if g != f.name]):
            sel = np.zeros(len(pats), dtype=bool)
            for g in group:
                sel |= agree[g]
            if counts[sel].sum() >= MIN_ANCHORED:
                out[f.name] = sel
                break
    return out


# Where two people of one household live (h of location) is counted likewise on pairs
# sharing a phone, and whether they share a phone on pairs sharing the street address.
# The candidates hold the household pairs that blocking found: members who live apart
# only where they share a phone. Counted on all of them, h would say that a household's
# members hardly ever live apart, and that when they do they share a phone -- and two
# relatives at different addresses with one landline would look like one person moved.
HOME_ANCHORS = {"location": 1, "phone": 1}  # field -> its "same" level


def _home_anchors(pats: I64, counts: F64) -> dict[str, npt.NDArray[np.bool_]]:
    """Per home anchor, the level vectors its h is counted on: those sharing the other
    one (no entry: all pairs, when too few share it)."""
    agree = {g: pats[:, FIELD_COL[g]] == lv for g, lv in HOME_ANCHORS.items()}
    out = {}
    for name in HOME_ANCHORS:
        sel = np.zeros(len(pats), dtype=bool)
        for g in HOME_ANCHORS:
            if g != name:
                sel |= agree[g]
        if counts[sel].sum() >= MIN_ANCHORED:
            out[name] = sel
    return out


def _households(pats: I64, w_h: F64, h: dict[str, list[float]], at_home: dict) -> float:
    """Expected household pairs in the file. Where h is counted on pairs sharing a home
    (``_home_anchors``), so is this: the household pairs sharing the address or a phone
    (blocking finds them all) over the share of households' pairs that share one -- the
    others (members living apart, no common phone) blocking mostly does not find."""
    if "location" not in at_home or "phone" not in at_home:
        return float(w_h.sum())
    loc, phone = FIELD_COL["location"], FIELD_COL["phone"]
    sharing = (pats[:, loc] == HOME_ANCHORS["location"]) | (pats[:, phone] == HOME_ANCHORS["phone"])
    share = 1.0 - (1.0 - h["location"][0]) * (1.0 - h["phone"][0])
    return float(max(w_h[sharing].sum() / max(share, 1e-6), w_h.sum()))


def train(
    pats: I64,
    c: F64,
    u: dict[str, list[float]],
    n_records: int,
    agree: dict[str, float],
    *,
    total_pairs: float | None = None,
    max_iter: int = 200,
    tol: float = 1e-6,
) -> Model:
    """m, h, the priors and the counted u from the candidate pairs' distinct level vectors
    ``pats`` and how many pairs have each (:func:`chunked_patterns`): everything EM counts
    is a sum over them."""
    total = total_pairs or max(n_records * (n_records - 1) / 2, 1.0)
    start = default_model(n_records)
    model = Model(start.m, start.h, u, start.prior, start.related)
    model.u = _counted_u(model, agree, total)
    anchored = _anchors(pats, c)
    at_home = _home_anchors(pats, c)
    # Missing values count where u has them (the field is present in this data).
    coded = {f.name for f in FIELDS if len(u[f.name]) == len(f.levels) + 2}
    for name in coded:  # EM starts from the shipped levels, missing outcomes spread evenly
        n_codes = len(u[name])
        model.m[name] = _normalised(np.zeros(n_codes), DEFAULT_M[name], 1.0)
        model.h[name] = _normalised(np.zeros(n_codes), DEFAULT_H[name], 1.0)
    subsets: dict[bytes, tuple[I64, F64]] = {}  # one pattern table per distinct anchor set
    key_of = {}  # (which, field) -> its subset's key, packed once (not every round)
    for which, sets in (("m", anchored), ("h", at_home)):
        for name, sel in sets.items():
            key = key_of[which, name] = np.packbits(sel).tobytes()
            if key not in subsets:
                subsets[key] = pats[sel], c[sel]  # as patterns() of those pairs
    rounds = 0
    for it in range(1, max_iter + 1):
        rounds = it
        lm, lh, lr = class_logs(model, pats)
        p_m, p_h = posteriors(lm, lh, lr)
        w_m, w_h = c * p_m, c * p_h
        sub_w = {}  # per subset: its patterns, expected M and H pairs of each
        for k, (sp, sc) in subsets.items():
            sm, sh = posteriors(*class_logs(model, sp))
            sub_w[k] = (sp, sc * sm, sc * sh)
        m, h = {}, {}
        for j, f in enumerate(FIELDS):
            n_codes = int(RADIX[j])
            cm = _outcomes(np.bincount(pats[:, j], weights=w_m, minlength=n_codes), f, coded)
            ch = _outcomes(np.bincount(pats[:, j], weights=w_h, minlength=n_codes), f, coded)
            if f.name in anchored:  # what one person looks like, from pairs sharing an anchor
                sp, sw, _ = sub_w[key_of["m", f.name]]
                sub = _outcomes(np.bincount(sp[:, j], weights=sw, minlength=n_codes), f, coded)
                cm = _levels_from(sub, cm, len(f.levels))
            if f.name in at_home:  # what a household looks like, from pairs sharing a home
                sp, _, sw = sub_w[key_of["h", f.name]]
                sub = _outcomes(np.bincount(sp[:, j], weights=sw, minlength=n_codes), f, coded)
                ch = _levels_from(sub, ch, len(f.levels))
            m[f.name] = _normalised(cm, DEFAULT_M[f.name], 1.0)
            h_probs = _missing_as(_normalised(ch, DEFAULT_H[f.name], 1.0), model.u[f.name], f)
            h[f.name] = _capped(h_probs, H_CAPS.get(f.name, {}))
        prior = float(np.clip(w_m.sum() / total, 1e-15, 0.5))
        related = float(np.clip(_households(pats, w_h, h, at_home) / total, 1e-15, 0.5))
        delta = abs(np.log(prior / model.prior)) + abs(np.log(related / model.related))
        delta += max(
            float(np.max(np.abs(np.subtract(new[f.name], old[f.name]))))
            for new, old in ((m, model.m), (h, model.h))
            for f in FIELDS
        )
        model = Model(m, h, model.u, prior, related)
        model.u = _counted_u(model, agree, total)
        if delta < tol:
            break
    notes = [f"EM over {int(c.sum()):,} candidate pairs ({len(pats):,} patterns), {rounds} rounds"]
    shared: dict[bytes, set[str]] = {}  # per anchor set: the anchors its pairs share
    for name, sel in anchored.items():
        key = key_of["m", name]
        if key not in shared:
            sp = subsets[key][0]
            shared[key] = {g for g in ANCHORS if (sp[:, FIELD_COL[g]] == 1).any()}
        by = [g for g in ANCHORS if g != name and g in shared[key]]
        notes.append(f"m of {name} from the {int(sel.sum()):,} pairs sharing {' or '.join(by)}")
    model.u = _counted_u(model, agree, total, notes)
    notes.append(
        f"prior {model.prior:.3g} (same person), {model.related:.3g} (same household) "
        "per random pair"
    )
    notes.append(
        f"expected pairs: {model.prior * total:,.0f} same person, "
        f"{model.related * total:,.0f} same household"
    )
    return Model(model.m, model.h, model.u, model.prior, model.related, int(c.sum()), rounds, notes)


# Starting points of EM and the model of inputs too small to learn from: what a
# duplicate (m) and a household member (h) usually look like.
DEFAULT_M = {
    # A duplicate rarely carries another first name altogether (a middle name used):
    # twins and siblings at one address do.
    "first": [0.85, 0.05, 0.05, 0.01, 0.02, 0.01, 0.01],
    "last": [0.88, 0.05, 0.04, 0.03],
    "email": [0.8, 0.2],
    "phone": [0.75, 0.02, 0.23],
    # A typed birth date goes wrong by a digit or a swapped day/month ("close"), hardly
    # ever to another date altogether: that is a Jr. and a Sr.
    "dob": [0.92, 0.07, 0.01],
    "location": [0.68, 0.03, 0.02, 0.005, 0.06, 0.03, 0.1, 0.05, 0.025, 0.005],
    "id": [0.9, 0.05, 0.05],
    # Few people have a suffix, and a record often leaves it off; it is hardly ever
    # changed to another.
    "suffix": [0.003, 0.004, 0.0001, 0.9929],
}
DEFAULT_H = {
    "first": [0.05, 0.01, 0.02, 0.01, 0.03, 0.05, 0.83],
    "last": [0.75, 0.02, 0.05, 0.18],
    "email": [0.15, 0.85],
    "phone": [0.5, 0.005, 0.495],
    "dob": [0.02, 0.03, 0.95],
    "location": [0.8, 0.03, 0.01, 0.005, 0.02, 0.01, 0.035, 0.06, 0.03, 0.005],
    "id": [0.001, 0.01, 0.989],
    "suffix": [0.001, 0.3, 0.1, 0.599],
}
DEFAULT_U = {
    "first": [0.006, 0.001, 0.001, 0.002, 0.003, 0.016, 0.971],
    "last": [0.0006, 0.0004, 0.003, 0.996],
    "email": [1e-7, 1 - 1e-7],
    "phone": [1e-7, 4e-6, 1 - 4.1e-6],
    "dob": [5e-5, 5e-4, 0.99945],
    "location": [1e-7, 1e-7, 1e-5, 1e-7, 0.008, 0.008, 0.98, 0.002, 0.002, 1e-7],
    "id": [1e-7, 1e-5, 1 - 1.01e-5],
    "suffix": [2e-5, 0.01, 3e-5, 0.98995],
}
DUPLICATES_PER_RECORD = 0.2  # prior guess: duplicate pairs per record
HOUSEHOLD_PER_RECORD = 0.3  # and household pairs per record


# A file of a few rows says nothing about how many duplicates it holds: its priors are
# those of a file of at least this many rows (else two rows of a four-row file that only
# share a common name would start as a one-in-seven match).
SMALL_FILE_ROWS = 1_000


def default_model(n_records: int) -> Model:
    """The shipped parameters for a file of ``n_records``: priors per random pair from
    the per-record guesses above."""
    pairs_per_record = (max(n_records, SMALL_FILE_ROWS) - 1) / 2
    return Model(
        m={k: list(v) for k, v in DEFAULT_M.items()},
        h={k: list(v) for k, v in DEFAULT_H.items()},
        u={k: list(v) for k, v in DEFAULT_U.items()},
        prior=min(DUPLICATES_PER_RECORD / pairs_per_record, 0.3),
        related=min(HOUSEHOLD_PER_RECORD / pairs_per_record, 0.3),
        notes=["too few pairs to learn from: shipped parameters"],
    )
