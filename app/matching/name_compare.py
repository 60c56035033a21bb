"""Name comparisons of candidate pairs: given names and surnames as similarity, edits
(misread letters one slip, short names stricter), nicknames, initials, swapped and crossed
first/last names, and multi-word surnames. Each is computed once per distinct pair of
name codes (rapidfuzz over the unique pairs), then spread back to the pairs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler

from app.matching import nicknames
from app.matching.normalise import Norm

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
F32 = npt.NDArray[np.float32]

_PER_WORD: dict[tuple[int, str], tuple[list[str], np.ndarray]] = {}


def per_word(vocab: list[str], what: str, fn: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """``fn(vocab)``: an array of something per word, made once per vocabulary (every
    chunk of pairs would make it again)."""
    hit = _PER_WORD.get((id(vocab), what))
    if hit is not None and hit[0] is vocab:
        return hit[1]
    out = fn(vocab)
    if len(_PER_WORD) > 64:  # a run's few vocabularies; older runs' let go
        _PER_WORD.clear()
    _PER_WORD[id(vocab), what] = (vocab, out)
    return out


def pair_sim(a: npt.NDArray[np.int32], b: npt.NDArray[np.int32], vocab: list[str]) -> F32:
    """Jaro-Winkler similarity of vocab[a] vs vocab[b] (0 where either is missing)."""
    out = np.zeros(len(a), dtype=np.float32)
    ok = (a >= 0) & (b >= 0)
    if not ok.any():
        return out
    v = max(len(vocab), 1)
    key = np.minimum(a[ok], b[ok]).astype(np.int64) * v + np.maximum(a[ok], b[ok])
    inverse, uniq = pd.factorize(key)
    words = per_word(vocab, "words", lambda v: np.asarray(v, dtype=object))
    qa, qb = words[uniq // v].tolist(), words[uniq % v].tolist()
    workers = -1 if len(qa) > 5_000 else 1  # threads cost more than they save on few pairs
    sims = process.cpdist(qa, qb, scorer=JaroWinkler.normalized_similarity, workers=workers)
    out[ok] = np.asarray(sims, dtype=np.float32)[inverse]
    return out


def pair_edits(a: npt.NDArray[np.int32], b: npt.NDArray[np.int32], vocab: list[str]) -> I64:
    """Optimal-string-alignment distance of vocab[a] and vocab[b] (a changed, added or
    dropped character, or two neighbours swapped, is one edit), up to 3; 3 where either
    is missing. Short names count as further apart: one edit in a name of under
    ``TYPO_MIN[1]`` letters ("Tim" / "Tom"), two in one under ``TYPO_MIN[2]`` ("Amy" /
    "Ann") make another name, not a typo. Once per distinct pair."""
    out = np.full(len(a), 3, dtype=np.int64)
    ok = (a >= 0) & (b >= 0) & (a != b)
    out[(a >= 0) & (a == b)] = 0
    if not ok.any():
        return out
    uniq, inverse, qa, qb = _distinct_pairs(a[ok], b[ok], vocab)
    out[ok] = _edits(uniq, qa, qb, vocab)[inverse]
    return out


def first_name_pairs(
    a: npt.NDArray[np.int32], b: npt.NDArray[np.int32], vocab: list[str]
) -> tuple[F32, I64]:
    """``pair_sim`` and ``pair_edits`` of the same pairs at once: their distinct pairs
    found once (a pair of one name is 0 edits either way)."""
    sim = np.zeros(len(a), dtype=np.float32)
    edits = np.full(len(a), 3, dtype=np.int64)
    ok = (a >= 0) & (b >= 0)
    if not ok.any():
        return sim, edits
    uniq, inverse, qa, qb = _distinct_pairs(a[ok], b[ok], vocab)
    workers = -1 if len(qa) > 5_000 else 1
    sims = process.cpdist(qa, qb, scorer=JaroWinkler.normalized_similarity, workers=workers)
    sim[ok] = np.asarray(sims, dtype=np.float32)[inverse]
    edits[ok] = _edits(uniq, qa, qb, vocab)[inverse]
    return sim, edits


def _distinct_pairs(
    a: npt.NDArray[np.int32], b: npt.NDArray[np.int32], vocab: list[str]
) -> tuple[I64, npt.NDArray[np.intp], list[str], list[str]]:
    """The distinct unordered pairs of codes (both known) as min * len(vocab) + max, the
    pair of each row, and the words of each distinct pair (lower code first)."""
    v = max(len(vocab), 1)
    key = np.minimum(a, b).astype(np.int64) * v + np.maximum(a, b)
    inverse, uniq = pd.factorize(key)
    words = per_word(vocab, "words", lambda v: np.asarray(v, dtype=object))
    return uniq, inverse, words[uniq // v].tolist(), words[uniq % v].tolist()


def _edits(uniq: I64, qa: list[str], qb: list[str], vocab: list[str]) -> I64:
    """``pair_edits`` of each distinct pair (``_distinct_pairs``)."""
    v = max(len(vocab), 1)
    workers = -1 if len(qa) > 5_000 else 1
    dist = np.minimum(
        np.asarray(
            process.cpdist(qa, qb, scorer=OSA.distance, score_cutoff=3, workers=workers),
            dtype=np.int64,
        ),
        3,
    )
    # A misread letter pair ("rn" for "m", "cl" for "d") is one slip, not two edits.
    folded = _ocr_folded(vocab)
    changed = per_word(vocab, "ocr", lambda v: np.array([f is not None for f in folded] + [False]))
    ua, ub = uniq // v, uniq % v
    far = np.flatnonzero((dist >= 2) & (changed[ua] | changed[ub]))
    if len(far):
        fa = [folded[i] or vocab[i] for i in ua[far].tolist()]
        fb = [folded[i] or vocab[i] for i in ub[far].tolist()]
        again = np.asarray(process.cpdist(fa, fb, scorer=OSA.distance, score_cutoff=3))
        dist[far] = np.minimum(dist[far], np.minimum(again.astype(np.int64) + 1, 3))
    lens = per_word(vocab, "len", lambda v: np.array([len(w) for w in v] + [0], dtype=np.int64))
    shortest = np.minimum(lens[ua], lens[ub])
    for edits, min_len in TYPO_MIN.items():
        dist[(dist == edits) & (shortest < min_len)] = 3
    return dist


TYPO_MIN = {1: 4, 2: 6}  # edits -> the shortest name they are a typo in
# Letters a scanner or a hurried reader takes for others: folded alike before counting.
_OCR_PAIRS = (("rn", "m"), ("cl", "d"), ("vv", "w"), ("ii", "u"))


_FOLDED: dict[int, tuple[list[str], list[str | None]]] = {}


def _ocr_folded(vocab: list[str]) -> list[str | None]:
    """Per word of ``vocab``, its ``ocr_fold`` where that changes it (else None); once
    per vocabulary."""
    cached = _FOLDED.get(id(vocab))
    if cached is not None and cached[0] is vocab:
        return cached[1]
    out = [f if (f := ocr_fold(w)) != w else None for w in vocab]
    _FOLDED.clear()
    _FOLDED[id(vocab)] = (vocab, out)
    return out


def ocr_fold(word: str) -> str:
    """``word`` with look-alike letter pairs made one ('rnark' -> 'mark')."""
    for seen, meant in _OCR_PAIRS:
        word = word.replace(seen, meant)
    return word


def nickname_pairs(
    a: npt.NDArray[np.int32], b: npt.NDArray[np.int32], vocab: list[str]
) -> npt.NDArray[np.bool_]:
    """Equivalent given names ("bob"/"robert", "chris"/"christina")."""
    out = np.zeros(len(a), dtype=bool)
    ok = (a >= 0) & (b >= 0) & (a != b)
    if not ok.any():
        return out
    alias = nickname_aliases(vocab)
    known = per_word(vocab, "alias", lambda v: np.array([w is not None for w in alias] + [False]))
    ok &= known[np.where(a >= 0, a, len(vocab))] & known[np.where(b >= 0, b, len(vocab))]
    if not ok.any():
        return out
    v = max(len(vocab), 1)
    key = a[ok].astype(np.int64) * v + b[ok]
    inverse, uniq = pd.factorize(key)
    eq = np.array(
        [nicknames.equivalent(alias[k // v] or "", alias[k % v] or "") for k in uniq.tolist()],
        dtype=bool,
    )
    out[ok] = eq[inverse]
    return out


_ALIASES: dict[int, tuple[list[str], list[str | None]]] = {}


def nickname_aliases(vocab: list[str]) -> list[str | None]:
    """Per given name, the name of the nickname table it is (itself, or the one name it
    is one typed or misread letter from: 'micbael' -> 'michael', 'tlmothy' -> 'timothy'),
    or None. Names of under ``TYPO_MIN[1]`` letters count only as written."""
    cached = _ALIASES.get(id(vocab))
    if cached is not None and cached[0] is vocab:
        return cached[1]
    table = sorted(set(nicknames.EQUIVALENT) | set(nicknames.CANONICAL))
    known = set(table)
    out: list[str | None] = [w if w in known else None for w in vocab]
    rows = [i for i, w in enumerate(vocab) if w not in known and len(w) >= TYPO_MIN[1]]
    if rows:
        words = [ocr_fold(vocab[i]) for i in rows]
        dist = process.cdist(
            words, table, scorer=OSA.distance, score_cutoff=1, dtype=np.uint8, workers=-1
        )
        near = dist <= 1
        for r in np.flatnonzero(near.sum(axis=1) == 1).tolist():  # one name only
            out[rows[r]] = table[int(np.argmax(near[r]))]
    _ALIASES.clear()  # one vocabulary at a time (a run's)
    _ALIASES[id(vocab)] = (vocab, out)
    return out


def initial_match(
    a: npt.NDArray[np.int32], b: npt.NDArray[np.int32], vocab: list[str]
) -> npt.NDArray[np.bool_]:
    """One side is just the other's initial ("j" / "john")."""
    lens = per_word(vocab, "len", lambda v: np.array([len(w) for w in v] + [0], dtype=np.int64))
    # The first letter as a number (-1: none): compared as numbers, not strings.
    first = per_word(
        vocab, "initial", lambda v: np.array([ord(w[0]) if w else -1 for w in v] + [-1])
    )
    ia, ib = np.where(a >= 0, a, len(vocab)), np.where(b >= 0, b, len(vocab))
    one = ((lens[ia] == 1) | (lens[ib] == 1)) & (a >= 0) & (b >= 0)
    return one & (first[ia] == first[ib])


def swapped_names(
    norm: Norm, A: dict[str, np.ndarray], B: dict[str, np.ndarray]
) -> npt.NDArray[np.bool_]:
    """First and last name swapped between the two records ("Lee Kim" / "Kim Lee")."""
    if len(A["first"]) <= 2_000:  # a probe: a few string look-ups beat re-coding the vocab
        fv, lv = norm.first_vocab, norm.last_vocab
        out = np.zeros(len(A["first"]), dtype=bool)
        for i, (fa, la, fb, lb) in enumerate(
            zip(
                A["first"].tolist(),
                A["last"].tolist(),
                B["first"].tolist(),
                B["last"].tolist(),
                strict=True,
            )
        ):
            if (
                min(fa, la, fb, lb) >= 0
                and fv[fa] == lv[lb]
                and lv[la] == fv[fb]
                and fv[fa] != lv[la]
            ):
                out[i] = True
        return out
    fj, lj = _joint(norm)
    fa, fb = fj[A["first"]], fj[B["first"]]  # index -1 is the "missing" slot
    la, lb = lj[A["last"]], lj[B["last"]]
    return (fa >= 0) & (la >= 0) & (fa == lb) & (la == fb) & (fa != la)


def _joint(norm: Norm) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """First and last name codes in one shared vocabulary (last slot = missing = -1);
    computed once per ``Norm`` (every chunk of pairs needs it)."""
    cached = norm.cache.get("joint_names")
    if cached is None:
        codes, _ = pd.factorize(pd.Series(norm.first_vocab + norm.last_vocab, dtype=object))
        nf = len(norm.first_vocab)
        fj = np.append(codes[:nf], -1).astype(np.int64)
        lj = np.append(codes[nf:], -1).astype(np.int64)
        cached = norm.cache["joint_names"] = (fj, lj)
    return cached  # type: ignore[return-value]


def crossed_names(
    norm: Norm,
    A: dict[str, np.ndarray],
    B: dict[str, np.ndarray],
    first: I8,
    last: I8,
    swapped: npt.NDArray[np.bool_],
) -> tuple[I64, I8, I8]:
    """Pairs whose names agree better crossed (one record's given name against the
    other's surname) than straight, and their crossed levels: first and last name
    swapped *and* mistyped, shortened or given with a middle initial ("Chelsea Daivs" /
    "Davis Chelsea", "Gregory Daniel" / "Dan Gregory"). Compared straight such a pair
    differs on both names; counted so, a duplicate's first name would look "different"
    far more often than it is. Only pairs poor on a straight name are looked at."""
    fa, la, fb, lb = A["first"], A["last"], B["first"], B["last"]
    rows = np.flatnonzero(
        (fa >= 0) & (la >= 0) & (fb >= 0) & (lb >= 0) & ~swapped & (first >= 6) & (last >= 3)
    )
    if not len(rows):
        return rows.astype(np.int64), np.zeros(0, np.int8), np.zeros(0, np.int8)
    fv, lv = norm.first_vocab, norm.last_vocab
    # Crossed: a's given name against b's surname, a's surname against b's given name.
    # Most pairs looked at are two people: keep those whose crossed surnames are alike.
    cl = _per_code_pair(la[rows], lv, fb[rows], fv, _surname_levels)
    rows, cl = rows[cl <= 3], cl[cl <= 3]
    if not len(rows):
        return rows.astype(np.int64), np.zeros(0, np.int8), np.zeros(0, np.int8)
    cf = _per_code_pair(fa[rows], fv, lb[rows], lv, _given_levels)
    better = (cf <= 5) & (cl <= 3) & (cf.astype(int) + cl < first[rows].astype(int) + last[rows])
    return rows[better].astype(np.int64), cf[better], cl[better]


def _per_code_pair(
    x: npt.NDArray[np.int32],
    x_vocab: list[str],
    y: npt.NDArray[np.int32],
    y_vocab: list[str],
    levels: Callable[[list[str], list[str]], I8],
) -> I8:
    """``levels`` of the words of codes ``x`` and ``y`` (known), once per distinct pair
    of codes: a pair's words are looked up only for the distinct ones."""
    key = x.astype(np.int64) * max(len(y_vocab), 1) + y
    inverse, uniq = pd.factorize(key)
    qx, qy = uniq // max(len(y_vocab), 1), uniq % max(len(y_vocab), 1)
    words_x = [x_vocab[i] for i in qx.tolist()]
    words_y = [y_vocab[i] for i in qy.tolist()]
    return levels(words_x, words_y)[inverse]


def _given_levels(x: list[str], y: list[str]) -> I8:
    """``first`` levels of two lists of given names (strings; distinct pairs, see
    ``_per_code_pair``)."""
    qa, qb = x, y
    dist = np.minimum(np.asarray(process.cpdist(qa, qb, scorer=OSA.distance), dtype=np.int64), 3)
    shortest = np.minimum([len(w) for w in qa], [len(w) for w in qb])
    for edits, min_len in TYPO_MIN.items():
        dist[(dist == edits) & (shortest < min_len)] = 3
    sim = np.asarray(process.cpdist(qa, qb, scorer=JaroWinkler.normalized_similarity))
    same = np.array([p == q for p, q in zip(qa, qb, strict=True)], dtype=bool)
    nick = np.array([nicknames.equivalent(p, q) for p, q in zip(qa, qb, strict=True)], dtype=bool)
    initial = np.array(
        [(len(p) == 1 or len(q) == 1) and p[:1] == q[:1] for p, q in zip(qa, qb, strict=True)],
        dtype=bool,
    )
    out = np.select(
        [same, nick, dist <= 1, initial, dist == 2, sim >= 0.8], [1, 2, 3, 4, 5, 6], 7
    ).astype(np.int8)
    return out


def _surname_levels(x: list[str], y: list[str]) -> I8:
    """``last`` levels of two lists of surnames (strings; distinct pairs, see
    ``_per_code_pair``)."""
    qa, qb = x, y
    workers = -1 if len(qa) > 5_000 else 1
    sim = np.asarray(
        process.cpdist(qa, qb, scorer=JaroWinkler.normalized_similarity, workers=workers)
    )
    same = np.array([p == q for p, q in zip(qa, qb, strict=True)], dtype=bool)
    return np.select([same, sim >= 0.92, sim >= 0.8], [1, 2, 3], 4).astype(np.int8)


def token_overlap(
    a: npt.NDArray[np.int32], b: npt.NDArray[np.int32], vocab: list[str], sim: F32
) -> npt.NDArray[np.bool_]:
    """Multi-word last names sharing a word ("moore powell" / "moore")."""
    if len(a) <= 2_000:
        out = np.zeros(len(a), dtype=bool)
        for i, (x, y, s) in enumerate(zip(a.tolist(), b.tolist(), sim.tolist(), strict=True)):
            if x >= 0 and y >= 0 and x != y and s < 0.8:
                out[i] = bool(set(vocab[x].split()) & set(vocab[y].split()))
        return out
    multi = per_word(vocab, "multi", lambda v: np.array([" " in w for w in v] + [False]))
    ia, ib = np.where(a >= 0, a, len(vocab)), np.where(b >= 0, b, len(vocab))
    rows = np.flatnonzero((multi[ia] | multi[ib]) & (a >= 0) & (b >= 0) & (a != b) & (sim < 0.8))
    out = np.zeros(len(a), dtype=bool)
    if not len(rows):
        return out
    v = max(len(vocab), 1)
    key = ia[rows].astype(np.int64) * v + ib[rows]
    inverse, uniq = pd.factorize(key)
    hit = np.array(
        [bool(set(vocab[k // v].split()) & set(vocab[k % v].split())) for k in uniq.tolist()]
    )
    out[rows] = hit[inverse]
    return out
