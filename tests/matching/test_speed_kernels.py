"""The faster kernels of the dedupe command give exactly what the per-value or per-row
code they replace gave: generation words found by one search, plain one-word names,
birth dates no format can read, the first known phone or id, level patterns counted in
a table, field gathers by ``take``, role text from the reader's string columns, reason
texts per distinct combination, integers written as text."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from app.formats import people_csv
from app.matching import compare, explain, level_patterns, names, roles
from app.matching import normalise as mn
from app.matching.pipeline import match_frame
from app.matching.scoring import Scored
from app.sandbox.generator import Dataset
from tests.matching.test_pipeline import labelled

AWKWARD_NAMES = [
    "", " ", "John Jr", "J'r", "j`r", "Smith", "SENIOR", "jnr.", "Sr", "III", "2nd", "4th",
    "Olivia", "Kiv", "Mr", "DR", "Esq", "O'Brien", "Mary-Ann", "Wi1son", "R0SS", "ⅱ", "Ⅲ",
    "Ｊｒ", "ſr", "José", "Łukasz", "ß", "ﬁ", "x\x00jr", "Jr\x00", "a`i`i", "iv", "IV.",
    "van der Berg", "Lee Jr.", "\t", "nan",
]  # fmt: skip


def _random_names(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyzJRSIV013 '`-.éÅß\x00"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))) for _ in range(count)]


def test_generation_words_found_at_once_are_has_generation() -> None:
    values = AWKWARD_NAMES + _random_names(7, 5000)
    got = names.has_generation_each(values).tolist()
    assert got == [names.has_generation(v) for v in values]
    clean = [v for v in values if "\x00" not in v]  # the joined search, not one by one
    assert names.has_generation_each(clean).tolist() == [names.has_generation(v) for v in clean]
    assert names.has_generation_each([]).tolist() == []


def _folded_tokens(text: str, drop: frozenset[str]) -> list[str]:
    return [t for t in names.fold(names.letters_for_digits(text)).split() if t not in drop]


def test_plain_names_are_what_fold_makes() -> None:
    for value in AWKWARD_NAMES + _random_names(8, 3000):
        first = _folded_tokens(value, names._TITLES)
        assert names.first_token(value) == (first[0] if first else ""), value
        assert names.last_name(value) == " ".join(_folded_tokens(value, names._SUFFIXES)), value


def test_birth_dates_no_format_reads_are_skipped_exactly() -> None:
    values = [
        "1985-03-12", "03/12/1985", "3/4/85", "19850312", "03-12-1985", "12-Mar-1985",
        "Mar 12 1985", "12-mar-1985", "2007-05-60", "49/22/1972", "1987-17-22",
        "00/17/1961", "13/14/1973", "31/19/1940", "1985-02-29", "2000-02-29",
        "1985-03-12 00:00:00", "1985-03-12T10:00:00Z", "12 Mar 1985", "not a date",
        " 1985-03-12 ", "1899-12-31", "2999-01-01", "", "  ", "１９８５-03-12", "85-3-12",
    ]  # fmt: skip
    rng = random.Random(9)
    values += ["".join(rng.choice("0123456789/-") for _ in range(10)) for _ in range(3000)]
    got = mn.dobs(pd.Series([*values, None], dtype=object)).tolist()
    assert got == [mn.dob_one(v) for v in values] + [-1]
    heads = np.asarray([mn._dob_head(v) for v in values], dtype=object)
    may = mn._may_parse(heads)
    assert all(may[i] for i, v in enumerate(values) if mn.dob_one(v) >= 0)


def test_first_known_is_the_argmax_pick() -> None:
    rng = np.random.default_rng(3)
    for k, least in ((1, 1), (2, 1), (3, 1), (3, 0), (1, 0)):
        m = rng.choice([-1, 0, 0, 5, 13135550142], size=(500, k)).astype(np.int64)
        got = compare.first_known(m, least)
        has = (m >= least).any(axis=1)
        assert ((got >= least) == has).all()
        pick = m[np.arange(len(m)), np.argmax(m >= least, axis=1)]
        assert (got[has] == pick[has]).all()
    assert len(compare.first_known(np.zeros((0, 2), np.int64), 1)) == 0


def test_level_patterns_counted_in_a_table_are_the_sorted_ones() -> None:
    rng = np.random.default_rng(4)
    for n in (0, 10, int(np.prod(level_patterns.RADIX)) // 4 + 1000):
        levels = np.stack([rng.integers(0, r, n) for r in level_patterns.RADIX.tolist()], axis=1)
        levels = levels.astype(np.int8)
        codes, counts = np.unique(level_patterns.pattern_codes(levels), return_counts=True)
        pats, got = level_patterns.patterns(levels)
        assert (pats == level_patterns.decode(codes)).all() and (got == counts).all()
        for size in {1, 7, n // 3 + 1, 40_000, n + 1} if n < 100 else {n // 3 + 1, 40_000, n + 1}:
            chunks = (levels[s : s + size] for s in range(0, n, size))  # the same table
            c_pats, c_got = level_patterns.chunked_patterns(chunks)
            assert (c_pats == pats).all() and (c_got == got).all()


def test_role_text_of_reader_columns() -> None:
    values = ["a", "", None, "Ünïcode", "nan", "x\x00y"]
    old = pd.Series(values, dtype=object).where(lambda s: s.notna(), "").astype(str)
    for s in (pd.Series(values, dtype=str), pd.Series([v or "" for v in values], dtype=object)):
        got = roles._text(s)
        assert got.dtype == object and got.tolist() == old.tolist()
    assert roles._text(pd.Series([1, None], dtype=object)).tolist() == ["1", ""]


def test_integers_written_as_astype_str() -> None:
    for dtype in (np.int64, np.int32, np.uint64):
        col = pd.Series(np.array([0, 7, 123456789, np.iinfo(dtype).max], dtype=dtype))
        assert people_csv._as_text(col).tolist() == [str(v) for v in col.tolist()]


def test_packed_blocks_without_special_characters_are_their_cells() -> None:
    for cells in (["a", "b", ""], ["=1", "x"], ["a,b", "c"], ["-5", "q"], ['say "hi"', ""]):
        block = people_csv._SEP.join(cells)
        want = people_csv._fields(np.asarray(cells, dtype=object), True, block)
        assert people_csv._packed_block(block) == want


@pytest.fixture(scope="module")
def scored(small_ds: Dataset) -> tuple[Scored, mn.Norm]:
    frame, _ = labelled(small_ds)
    result = match_frame(frame)
    return result.pairs, result.norm


def test_norm_take_is_fancy_indexing(scored: tuple[Scored, mn.Norm]) -> None:
    _, norm = scored
    rows = np.random.default_rng(5).integers(0, norm.n, 2000).astype(np.int32)
    got = norm.take(rows)
    for k, v in got.items():
        assert np.array_equal(v, getattr(norm, k)[rows]) and v.dtype == getattr(norm, k).dtype
    assert all(len(v) == 0 for v in norm.take(np.zeros(0, np.int64)).values())


def _reasons_per_row(scored: Scored, idx: np.ndarray) -> list[str]:
    """The texts as ``explain.reasons`` wrote them row by row before."""
    lv = {k: v[idx] for k, v in scored.cmp.levels.items()}
    first, last = lv["first"], lv["last"]
    fs_, ls_ = scored.cmp.first_sim[idx], scored.cmp.last_sim[idx]
    swapped = scored.cmp.swapped[idx]
    name = np.full(len(idx), "", dtype=object)
    both_same = (first == 1) & (last == 1)
    name[both_same] = "same name"
    sim = (fs_ + ls_) / 2
    fuzzy = ~both_same & (first > 0) & (last > 0)
    name[fuzzy] = [f"name {v:.2f}" for v in sim[fuzzy].tolist()]
    name[(first == 2) & (last == 1)] = "nickname, same last name"
    name[(first == 0) & (last == 1)] = "same last name"
    name[(first == 1) & (last == 4)] = "same first name, different last name"
    name[(first == 7) & ~swapped] = "different first name"
    name[swapped] = "first and last name swapped"
    parts = [name]
    for field, labels in explain._LABELS.items():
        col = np.full(len(idx), "", dtype=object)
        for level, text in labels.items():
            col[lv[field] == level] = text
        absent = explain._MISSING.get(field)
        both = scored.cmp.both_missing.get(field)
        if absent is not None and both is not None:
            col[(lv[field] == 0) & ~both[idx]] = absent[0]
            col[both[idx]] = absent[1]
        parts.append(col)
    note = np.full(len(idx), "", dtype=object)
    related = scored.related[idx]
    note[(related >= 0.1) & ~scored.household[idx]] = "could also be two people of one household"
    note[scored.household[idx]] = "likely family members (shared details)"
    parts.append(note)
    return [
        ", ".join(x for x in row if x) for row in zip(*[p.tolist() for p in parts], strict=True)
    ]


def test_reasons_per_combination_are_the_row_by_row_texts(scored: tuple[Scored, mn.Norm]) -> None:
    pairs, _ = scored
    assert len(pairs) > 1000
    for idx in (np.arange(len(pairs)), np.arange(0, len(pairs), 7)[::-1], np.zeros(0, np.int64)):
        assert explain.reasons(pairs, idx) == _reasons_per_row(pairs, idx)
    assert explain.reasons(pairs) == _reasons_per_row(pairs, np.arange(len(pairs)))
