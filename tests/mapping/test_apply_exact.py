"""The speed machinery of apply_mapping (distinct values, Categorical sources, fused
combiner + collapse, the spacing scan) gives exactly what the plain transforms give
when run over every row."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from app.domain.columns import scan
from app.domain.columns.distinct import categorical as as_categorical
from app.mapping import Mapping, Step, apply_mapping
from app.mapping import transforms_text as text
from app.mapping.apply import run_steps
from app.mapping.model import Rule, rule
from app.mapping.transforms import COMBINERS, Transformed
from app.sandbox.generator import build_dataset

T, N = Step("trim"), Step("name_case")
MAPPING = Mapping(
    (
        rule("external_id", "customer_id", required=True),
        rule("last_name", "last_name", "company_name", steps=[Step("coalesce"), T, N]),
        rule("company", "company_name", steps=[Step("collapse_spaces")]),
        rule("full_name", "first_name", "middle_name", "last_name", steps=[Step("join_name")]),
        rule("sort_name", "first_name", "middle_name", "last_name",
             steps=[Step("join_name", {"style": "last, first"}), Step("collapse_spaces")]),
        rule("street", "address_line1", "address_line2",
             steps=[Step("concat", {"separator": ", "}), Step("collapse_spaces")]),
        rule("tabbed", "address_line1", "city",
             steps=[Step("concat", {"separator": "\t"}), Step("collapse_spaces")]),
        rule("street1", "address_line1", steps=[T]),
        rule("city", "city", steps=[T, Step("title")]),
        rule("zip5", "zip", steps=[Step("zip5")]),
        rule("phone", "home_phone", steps=[Step("phone_e164")]),
        rule("mobile", "mobile_phone", steps=[Step("phone_e164")]),
        rule("email", "email", steps=[Step("email")]),
        rule("birth_date", "birth_date", steps=[Step("date", {"input_format": "%Y-%m-%d"})]),
        rule("created", "created_at", steps=[Step("date")]),
        rule("updated", "updated_at", steps=[Step("date", {"output": "datetime"})]),
        rule("opt_out", "opt_in_email", steps=[Step("boolean", {"negate": True})]),
    )
)  # fmt: skip

_MESS = ["", " ", "  x  y ", "a\tb", "Ünïcode  Street", "x\u00a0y", " lead", "trail ", "\x1fz"]


def _messy(n: int) -> pd.DataFrame:
    df = build_dataset(n, seed=8).tables["dms_customers"].copy()
    rng = random.Random(8)
    for column in ("address_line1", "address_line2", "company_name", "first_name", "city"):
        values = df[column].tolist()
        for i in rng.sample(range(n), n // 20):
            values[i] = rng.choice(_MESS) + values[i] + rng.choice(_MESS)
        df[column] = pd.Series(values, index=df.index, dtype=object)
    for column, odd in (("created_at", "2024-02-30T00:00:00Z"), ("home_phone", "n/a")):
        values = df[column].tolist()
        for i in rng.sample(range(n), 30):
            values[i] = odd
        df[column] = pd.Series(values, index=df.index, dtype=object)
    return df


def test_apply_mapping_equals_each_rule_run_over_every_row() -> None:
    df = _messy(6000)  # big enough for the spacing scan and the unique-like shortcut
    result = apply_mapping(df, MAPPING, "customer_id")
    for r in MAPPING.rules:
        plain = run_steps(r, *_plain_start(r, df[list(r.sources)].astype(object)))
        got = result.frame[r.target].tolist()
        assert got == plain.values.tolist(), r.target
        failed = {e.row_key for e in result.errors if e.field == r.target}
        want = set()
        if plain.invalid is not None:
            want = set(df["customer_id"][plain.invalid.to_numpy(dtype=bool)].tolist())
        assert failed == want, r.target
    assert any(e.field == "created" for e in result.errors)


def _plain_start(r: Rule, sources: pd.DataFrame) -> tuple[Transformed, list[Step]]:
    """apply.start without its shortcuts: the combiner, then every step as written."""
    steps = list(r.steps)
    if len(r.sources) == 1:
        return Transformed(sources.iloc[:, 0]), steps
    first = steps.pop(0) if steps and steps[0].name in COMBINERS else Step("concat")
    return COMBINERS[first.name](sources, **first.params), steps


def _collapse(v: str) -> str:
    return " ".join(v.split())


def test_spacing_scan_fixes_exactly_the_rows_that_need_it() -> None:
    rng = random.Random(1)
    alphabet = "ab \t\u00a0\u2003\x1f\x1cé\x85\u3000"
    for _ in range(10):
        values = ["".join(rng.choices(alphabet, k=rng.randint(0, 6))) for _ in range(2500)]
        values += ["clean words"] * rng.randint(0, 3000)
        rng.shuffle(values)
        arr = np.array(values, dtype=object)
        fixed = scan.fix_rows(arr, _collapse)
        assert fixed is not None
        assert fixed.tolist() == [_collapse(v) for v in values]
    assert scan.fix_rows(np.array(["a\x00 b"] * 3000, dtype=object), _collapse) is None
    assert scan.fix_rows(np.array(["a  b"] * 10, dtype=object), _collapse) is None


def test_fused_combiners_equal_combine_then_collapse() -> None:
    rng = random.Random(2)
    pieces = ["", " ", "12  Main St", "Apt\t4", " x ", "Ünï  ", "\u00a0y"]
    cols = {c: [rng.choice(pieces) for _ in range(3000)] for c in "ABC"}
    plain = pd.DataFrame(cols, dtype=object)
    coded = {}
    for c, values in cols.items():
        codes, distinct = pd.factorize(np.array(values, dtype=object))
        coded[c] = pd.Series(as_categorical(codes, np.asarray(distinct, dtype=object)))
    categorical = pd.DataFrame(coded)
    for separator in (", ", " ", "", "-", " , "):
        want = text.collapse_spaces(text.concat(plain, separator).values).values.tolist()
        for frame in (plain, categorical):
            joined = text.concat(frame, separator).values.tolist()
            assert joined == text.concat(plain, separator).values.tolist()
            fused = text.concat_collapsed(frame, separator)
            assert fused is not None and fused.values.tolist() == want, separator
    for separator in ("  ", "\t", " \u00a0"):
        assert text.concat_collapsed(plain, separator) is None
    for style in ("first last", "last, first"):
        want = text.collapse_spaces(text.join_name(plain, style).values).values.tolist()
        for frame in (plain, categorical):
            assert text.join_name_collapsed(frame, style).values.tolist() == want


def test_concat_of_many_sources_joins_pairwise_the_same() -> None:
    rng = random.Random(3)
    cols = {f"c{i}": [rng.choice(["", " a ", "b"]) for _ in range(200)] for i in range(18)}
    frame = pd.DataFrame(cols, dtype=object)
    want = [
        "-".join(p.strip() for p in row if p.strip()) for row in zip(*cols.values(), strict=True)
    ]
    assert text.concat(frame, "-").values.tolist() == want


def test_columns_with_missing_and_non_text_cells_map_as_text() -> None:
    n = 3000
    mixed: list[object] = [None, float("nan"), pd.NA, 7, "7", "", " x "] * (n // 7)
    df = pd.DataFrame({"K": [str(i) for i in range(len(mixed))], "M": mixed}, dtype=object)
    df["N"] = df["M"]
    m = Mapping((rule("m", "M", steps=[T]), rule("mn", "M", "N", steps=[Step("concat")])))
    frame = apply_mapping(df, m, "K").frame
    assert frame["m"].tolist()[:7] == ["", "", "", "7", "7", "", "x"]
    assert frame["mn"].tolist()[:7] == ["", "", "", "7 7", "7 7", "", "x x"]


def test_packed_codes_match_per_value_conversion() -> None:
    from app.domain.columns import packed

    rng = random.Random(5)
    for alphabet in ("ab1-", "ab\x00é", "x", "a€1-"):
        values = ["".join(rng.choices(alphabet, k=rng.randint(0, 5))) for _ in range(500)]
        arr = np.array(values, dtype=object)
        column = packed.Packed(arr)
        assert column.lengths.tolist() == [len(v) for v in values]
        for width in (3, 5):
            rows = np.flatnonzero(column.lengths == width)
            if "\x00" not in alphabet:  # numpy's fixed width drops trailing NULs
                assert (column.matrix(rows, width) == packed.matrix(arr[rows], width)).all()
    same = np.array(["2024-01-0" + str(i % 9 + 1) for i in range(50)], dtype=object)
    mat = packed.Packed(same).matrix(np.arange(50), 10)
    assert (mat == packed.matrix(same, 10)).all()


def test_coalesce_takes_the_first_source_with_text_as_written() -> None:
    rng = random.Random(6)
    pieces = ["", " ", "\t", " x ", "y", "Ünï"]
    cols = {c: [rng.choice(pieces) for _ in range(2000)] for c in "ABC"}
    frame = pd.DataFrame(cols, dtype=object)
    want = [next((x for x in row if x.strip()), "") for row in zip(*cols.values(), strict=True)]
    assert text.coalesce(frame).values.tolist() == want
    coded = {}
    for c, values in cols.items():
        codes, distinct = pd.factorize(np.array(values, dtype=object))
        coded[c] = pd.Series(as_categorical(codes, np.asarray(distinct, dtype=object)))
    assert text.coalesce(pd.DataFrame(coded)).values.tolist() == want
