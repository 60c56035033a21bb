"""Pre-entry check: before a new customer is created (a web lead, a walk-in), find the
existing customers it may be. Built once from all customers; each probe is a handful of
dictionary look-ups plus a score of the few records they return."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from app.matching import blocking, explain, names, nicknames, roles
from app.matching.compare import compare
from app.matching.model import Model
from app.matching.normalise import Norm, normalise
from app.matching.scoring import fit_model, score_pairs, term_frequencies

MAX_CANDIDATES = 200


class PreEntryIndex:
    """``PreEntryIndex(customers, id_column=...)`` then ``match(record)``."""

    def __init__(
        self,
        customers: pd.DataFrame,
        *,
        id_column: str | None = None,
        role_map: Mapping[str, Sequence[str]] | None = None,
        model: Model | None = None,
        min_score: float = 0.5,
    ) -> None:
        cols = [str(c) for c in customers.columns]
        self.id_column = id_column or roles.guess_id_column(cols) or cols[0]
        self.roles = roles.resolve(cols, role_map or {})
        self.ids = customers[self.id_column].astype(str).to_numpy(dtype=object)
        self.norm = normalise(roles.role_frame(customers, self.roles))
        self.min_score = min_score
        n = self.norm
        self._tf = term_frequencies(n)
        if model is None:
            cand = blocking.candidates(n)
            model = fit_model(n, compare(n, cand.a, cand.b))
        self.model = model
        self._first = {w: i for i, w in enumerate(n.first_vocab)}
        self._last = {w: i for i, w in enumerate(n.last_vocab)}
        self._street = {w: i for i, w in enumerate(n.street_vocab)}
        self._city = {w: i for i, w in enumerate(n.city_vocab)}
        self._id = {w: i for i, w in enumerate(n.id_vocab)}
        self._canon = {w: i for i, w in enumerate(n.canon_vocab)}
        self._sdx = {w: i for i, w in enumerate(n.sdx_vocab)}
        self._index: dict[str, dict[int, list[int]]] = {}
        for spec, key, rec, _ in blocking.pass_keys(n):
            table: dict[int, list[int]] = defaultdict(list)
            ok = key >= 0
            for k, r in zip(key[ok].tolist(), rec[ok].tolist(), strict=True):
                table[k].append(r)
            largest = spec.largest or len(rec)  # as in blocking: no larger group counts
            self._index[spec.name] = {k: v for k, v in table.items() if len(v) <= largest}

    def __len__(self) -> int:
        return self.norm.n

    def _probe(self, one: Norm) -> Norm:
        """The new record's fields coded in the index's vocabularies (new words appended)."""
        n = self.norm
        extra: dict[str, list[str]] = {"first": [], "last": [], "street": [], "city": [], "id": []}

        def code(vocab: list[str], table: dict[str, int], kind: str, c: int) -> int:
            if c < 0:
                return -1
            word = vocab[c]
            if word in table:
                return table[word]
            extra[kind].append(word)
            return len(table) + len(extra[kind]) - 1

        first = code(one.first_vocab, self._first, "first", int(one.first[0]))
        last = code(one.last_vocab, self._last, "last", int(one.last[0]))
        street = code(one.street_vocab, self._street, "street", int(one.street[0]))
        others = [
            code(one.street_vocab, self._street, "street", int(c))
            for c in one.street_others[0].tolist()
        ]
        city = code(one.city_vocab, self._city, "city", int(one.city[0]))
        ids = [code(one.id_vocab, self._id, "id", int(c)) for c in one.ids[0].tolist()]
        fv = n.first_vocab + extra["first"]
        lv = n.last_vocab + extra["last"]
        canon_word = nicknames.canonical(fv[first]) if first >= 0 else ""
        sdx_word = names.soundex(lv[last]) if last >= 0 else ""
        # -2: a word nobody in the index has (never equal to an index code, not "missing")
        canon = self._canon.get(canon_word, -2) if canon_word else -1
        sdx = self._sdx.get(sdx_word, -2) if sdx_word else -1
        return replace(
            one,
            first=np.array([first], dtype=np.int32),
            first_vocab=fv,
            first_canon=np.array([canon], dtype=np.int32),
            last=np.array([last], dtype=np.int32),
            last_vocab=lv,
            last_sdx=np.array([sdx], dtype=np.int32),
            street=np.array([street], dtype=np.int32),
            street_others=np.array([others], dtype=np.int32),
            street_vocab=n.street_vocab + extra["street"],
            city=np.array([city], dtype=np.int32),
            city_vocab=n.city_vocab + extra["city"],
            ids=np.array([ids], dtype=np.int32),
            id_vocab=n.id_vocab + extra["id"],
        )

    def match(self, record: Mapping[str, object], limit: int = 10) -> list[tuple[str, float, str]]:
        """Existing customers the new ``record`` may be: (customer id, score 0..1, reasons),
        best first. ``record`` uses any recognisable column names (first_name, email...)."""
        values = {str(k): "" if v is None else str(v) for k, v in record.items()}
        found = roles.recognise(list(values))
        if not found:
            return []
        probe = self._probe(normalise(_role_row(values, found)))
        hits: set[int] = set()
        for spec, key, _, _ in blocking.pass_keys(probe):
            table = self._index.get(spec.name, {})
            for k in key[key >= 0].tolist():
                hits.update(table.get(k, ())[:MAX_CANDIDATES])
        if not hits:
            return []
        rows = np.fromiter(sorted(hits), dtype=np.int64)
        combined = _stack(self.norm, rows, probe)
        a = np.arange(len(rows), dtype=np.int64)
        b = np.full(len(rows), len(rows), dtype=np.int64)
        scored, _ = score_pairs(combined, a, b, self.model, self._tf_for(rows))
        score = scored.score  # a household pair scores low by itself (the model's H class)
        keep = np.flatnonzero(score >= self.min_score)
        keep = keep[np.argsort(-score[keep], kind="stable")][:limit]
        texts = explain.reasons(scored, keep)
        return [
            (str(self.ids[rows[i]]), round(float(score[i]), 4), t)
            for i, t in zip(keep.tolist(), texts, strict=True)
        ]

    def _tf_for(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Term frequencies for the combined frame: value counts are by vocabulary code
        (shared with the index); the per-record address key follows the rows taken."""
        out = dict(self._tf)
        out["address_key"] = np.append(self._tf["address_key"][rows], -1.0)
        return out


def _role_row(values: Mapping[str, str], found: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """``roles.role_frame`` for one record, without per-column pandas conversions."""
    row: dict[str, list[str]] = {}
    for role in roles.ROLES:
        cols = list(found.get(role, ()))
        if role in roles.MULTI_VALUE:
            for i, c in enumerate(cols[:4]):
                row[role if i == 0 else f"{role}_{i + 1}"] = [values[c]]
        else:
            row[role] = [" ".join(" ".join(values[c] for c in cols).split())]
    for role in roles.MULTI_VALUE:
        row.setdefault(role, [""])
    return pd.DataFrame(row, dtype=object)


def _stack(n: Norm, rows: np.ndarray, probe: Norm) -> Norm:
    """Index rows plus the probe as one small Norm (probe last)."""
    cat = lambda x, y: np.concatenate([x[rows], y])  # noqa: E731
    return Norm(
        n=len(rows) + 1,
        first=cat(n.first, probe.first),
        first_vocab=probe.first_vocab,
        first_canon=cat(n.first_canon, probe.first_canon),
        last=cat(n.last, probe.last),
        last_vocab=probe.last_vocab,
        last_sdx=cat(n.last_sdx, probe.last_sdx),
        email=cat(n.email, probe.email),
        phones=_phones(n.phones[rows], probe.phones),
        house=cat(n.house, probe.house),
        street=cat(n.street, probe.street),
        street_others=cat(n.street_others, probe.street_others),
        street_vocab=probe.street_vocab,
        zip5=cat(n.zip5, probe.zip5),
        dob=cat(n.dob, probe.dob),
        city=cat(n.city, probe.city),
        city_vocab=probe.city_vocab,
        ids=_ids(n.ids[rows], probe.ids),
        id_vocab=probe.id_vocab,
        suffix=cat(n.suffix, probe.suffix),
    )


def _ids(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    width = max(x.shape[1], y.shape[1])
    out = np.full((len(x) + len(y), width), -1, dtype=np.int32)
    out[: len(x), : x.shape[1]] = x
    out[len(x) :, : y.shape[1]] = y
    return out


def _phones(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    width = max(x.shape[1], y.shape[1])
    out = np.zeros((len(x) + len(y), width), dtype=np.int64)
    out[: len(x), : x.shape[1]] = x
    out[len(x) :, : y.shape[1]] = y
    return out
