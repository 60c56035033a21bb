"""The comparator: one comparison of a flow's two sides, record by record, through the
identity links.

Memory: both sides are streamed. The destination is read first, page by page, keeping
per record only its id, its match value (its external id) and one packed string of the
compared fields (``app.sync.compare``); then the source is read in chunks, each chunk
mapped with the flow's mapping (vectorised, as a run maps it), and each record is matched
— through its golden id's link, else by the external id the mapping gives it — and
compared; a matched destination record is dropped from memory. What is left is only in
the destination. 100,000 customers a side fit in well under 500 MB.

A destination that cannot list all its records (Elead or CDK customers:
``Stream.lists_all`` is False) is reconciled by looking each linked record up by id,
through the connector's client and so within its rate limit; records only in such a
destination cannot be found, and the report says so. A linked destination id missing from
a listing is looked up too (up to ``MAX_LOOKUPS``), so a merge made in the destination
(the id now leads to the surviving record) is followed and the link moved."""

from __future__ import annotations

from typing import Any

import pandas as pd

from app.connectors.errors import ConnectorError
from app.domain.columns.distinct import text_frame
from app.mapping.apply import MappingError, apply_mapping
from app.store import Store
from app.store.link_queries import system_links
from app.sync import identity
from app.sync.compare import Comparer, FieldDiff, as_text_array
from app.sync.errors import RunCancelledError, SyncError
from app.sync.prefetch import prefetch
from app.sync.progress import CancelToken
from app.sync.reconcile_findings import Comparison, Finding, ProgressFn, ReconcileProgress
from app.sync.reconcile_sides import Sides
from app.sync.removals import inactive_rows
from app.sync.source_chunks import coalesced
from app.sync.withheld import erased_refs

CHUNK_ROWS = 5000
MAX_LOOKUPS = 200  # linked ids missing from a listing, looked up to follow merges


def _links(store: Store, entity: str, system: str) -> list[tuple[str, str]]:
    """(external id, golden id) of every link of one system, oldest first."""
    return system_links(store, entity, system)


class Comparator:
    """Runs one comparison of a flow's two sides (no store writes but moved links)."""

    def __init__(
        self,
        store: Store,
        sides: Sides,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
        keep_sources: int = 10_000,
    ) -> None:
        self.store = store
        self.sides = sides
        self.cancel = cancel or CancelToken()
        self.report = ReconcileProgress(sides.flow.name)
        self.on_progress = progress
        self.keep_sources = keep_sources  # findings that keep their source row
        src, dst = sides.source.spec, sides.dest.spec
        self.result = Comparison(
            method="list" if sides.dest.lists_all else "lookup", entity=src.entity
        )
        self.golden_of = dict(_links(store, src.entity, sides.source_system))
        dest_links = _links(store, dst.entity, sides.dest_system)
        self.dest_of: dict[str, str] = {}
        for ext, gold in dest_links:
            self.dest_of.setdefault(gold, ext)  # the oldest link wins, as in a run
        self.gold_of_dest = {ext: gold for ext, gold in dest_links}
        del dest_links
        self.rows: dict[str, tuple[str, str]] = {}  # dest id -> (match value, packed)
        self.by_match: dict[str, str] = {}
        self.missing_linked: list[tuple[Finding, str]] = []  # (finding, packed source)
        self.seen: set[str] = set()  # source keys read
        self.rematched: dict[str, str] = {}  # linked id gone -> the record holding its key
        self._rows_of: pd.DataFrame | None = None
        self._row_values: list[list[Any]] = []

    # --- progress ----------------------------------------------------------------------
    def _emit(self, phase: str) -> None:
        if self.cancel.cancelled:
            raise RunCancelledError("Cancelled by the user.")
        self.report.phase = phase
        self.report.found = len(self.result.findings)
        if self.on_progress is not None:
            self.on_progress(self.report)

    # --- the destination ---------------------------------------------------------------
    def read_destination(self) -> None:
        dest, comparer, match = self.sides.dest, self.sides.comparer, self.sides.match_field
        if not dest.spec.readable:
            raise SyncError(
                f"The destination stream '{dest.spec.name}' cannot be read, so it cannot be "
                "compared with the source."
            )
        pk = dest.spec.primary_key
        self._emit("reading destination")
        for page in prefetch(iter(dest.read(None)), depth=2):
            ids = as_text_array(page, pk)
            matches = as_text_array(page, match) if match else [""] * len(ids)
            for ident, value, packed in zip(ids, matches, comparer.pack_frame(page), strict=True):
                self.rows[ident] = (value, packed)
                if value:
                    self.by_match.setdefault(value, ident)
            self.report.dest_read += len(ids)
            self._emit("reading destination")
        self.result.dest_count = len(self.rows)

    # --- the source --------------------------------------------------------------------
    def read_source(self) -> None:
        source = self.sides.source
        self._emit("reading source")
        for df in prefetch(coalesced(iter(source.read(None)), CHUNK_ROWS), depth=2):
            self._compare_chunk(df)
            self.report.source_read += len(df)
            self._emit("reading source")

    def _inactive(self, df: pd.DataFrame) -> list[bool]:
        return inactive_rows(df, self.sides.deletes)

    def _withhold(self, raw: pd.DataFrame) -> pd.DataFrame:
        """The chunk without erased people's records: not compared, not reported, not kept
        (a report would otherwise store their source row again); their destination copy
        found by its key is left out of "only in the destination" too."""
        spec = self.sides.source.spec
        refs = erased_refs(
            self.sides.erased, raw, spec.entity, spec.primary_key, self.sides.source_system,
            self.sides.flow.options.get("references", {}),
        )  # fmt: skip
        if not any(refs):
            return raw
        for key, ref in zip(raw[spec.primary_key].astype(str), refs, strict=True):
            if ref is None:
                continue
            self.result.withheld += 1
            dest_id = self.by_match.pop(key, None)
            if dest_id is not None:
                self.rows.pop(dest_id, None)
        return raw[[r is None for r in refs]].reset_index(drop=True)

    def _compare_chunk(self, raw: pd.DataFrame) -> None:
        raw = self._withhold(raw)
        if not len(raw):
            return
        sides, result = self.sides, self.result
        key_col = sides.source.spec.primary_key
        df = text_frame(raw)
        try:
            mapped = apply_mapping(df, sides.flow.mapping, key_col)
        except MappingError as exc:
            raise SyncError(f"The mapping cannot be applied to the source: {exc}") from exc
        required = set(sides.flow.mapping.required_targets()) | set(
            sides.dest.spec.required_fields()
        )
        refused: dict[str, str] = {}
        for e in mapped.errors:
            if e.field in required:
                refused.setdefault(e.row_key, f"{e.field}: {e.reason}")
        keys = [str(k) for k in df[key_col]]
        packed = sides.comparer.pack_frame(mapped.frame)
        matches = (
            as_text_array(mapped.frame, sides.match_field)
            if sides.match_field
            else [""] * len(keys)
        )
        inactive = self._inactive(df)
        lookups: list[tuple[int, str]] = []
        result.source_count += len(keys)
        self.seen.update(keys)
        for i, key in enumerate(keys):
            gold = self.golden_of.get(key)
            linked = self.dest_of.get(gold, "") if gold else ""
            if self.result.method != "list":
                if linked:
                    lookups.append((i, linked))
                else:
                    self._only_in_source(df, i, key, gold, "", refused, inactive[i])
                continue
            dest_id = linked if linked in self.rows else ""
            if not dest_id and matches[i] and self.by_match.get(matches[i]) in self.rows:
                dest_id = self.by_match[matches[i]]
                if linked:  # its record is gone, another holds its key: merged there
                    self.rematched[linked] = dest_id
            if not dest_id:
                finding = self._only_in_source(df, i, key, gold, linked, refused, inactive[i])
                if finding is not None and linked:
                    self.missing_linked.append((finding, packed[i]))
                continue
            _match, theirs = self.rows.pop(dest_id)
            self._compare(df, i, key, gold, dest_id, packed[i], theirs, inactive[i])
        if lookups:
            self._look_up(df, keys, packed, lookups, refused, inactive)

    def _keep(self, df: pd.DataFrame, i: int) -> dict[str, Any] | None:
        """The source row of a finding (for its timeline), while few have been kept."""
        if len(self.result.findings) >= self.keep_sources:
            return None
        if self._rows_of is not df:  # the chunk's rows as lists, once per chunk
            self._rows_of, self._row_values = df, df.to_numpy(dtype=object).tolist()
        names = [str(c) for c in df.columns]
        return dict(zip(names, (str(v) for v in self._row_values[i]), strict=True))

    def _only_in_source(
        self,
        df: pd.DataFrame,
        i: int,
        key: str,
        gold: str | None,
        linked: str,
        refused: dict[str, str],
        inactive: bool,
    ) -> Finding | None:
        if inactive:  # gone or inactive in the source, absent in the destination: agreed
            self.result.same += 1
            return None
        note = "never sent" if not linked else f"linked to {linked}, which is not there"
        if key in refused:
            note += f"; the mapping refuses it ({refused[key]})"
        finding = Finding("only_in_source", key, linked, gold, note=note, source=self._keep(df, i))
        self.result.findings.append(finding)
        return finding

    def _compare(
        self,
        df: pd.DataFrame,
        i: int,
        key: str,
        gold: str | None,
        dest_id: str,
        ours: str,
        theirs: str,
        inactive: bool,
    ) -> None:
        result = self.result
        if inactive:
            word = "deleted or inactive in the source, still active in the destination"
            diff = FieldDiff("(status)", "inactive", "active", "source")
            result.field_counts["(status)"] += 1
            result.findings.append(
                Finding("different", key, dest_id, gold, [diff], word, self._keep(df, i))
            )
            return
        diffs = self.sides.comparer.diff(ours, theirs)
        if not Comparer.differs(diffs):
            result.same += 1
            return
        for d in diffs:
            result.field_counts[d.field] += 1
        source = self._keep(df, i)
        result.findings.append(Finding("different", key, dest_id, gold, diffs, "", source))

    # --- look-ups ----------------------------------------------------------------------
    def _look_up(
        self,
        df: pd.DataFrame,
        keys: list[str],
        packed: list[str],
        lookups: list[tuple[int, str]],
        refused: dict[str, str],
        inactive: list[bool],
    ) -> None:
        """Lookup mode: the linked records of one chunk, by id."""
        self._emit("looking up")
        found = self.sides.dest.lookup([d for _i, d in lookups])
        moved = dict(found.moved)
        rows = self._packed_rows(found.rows)
        if moved:
            rows.update(self._packed_rows(self.sides.dest.lookup(list(moved.values())).rows))
            self._relink(moved)
        self.result.dest_count += len(rows)
        self.report.dest_read += len(rows)
        for i, dest_id in lookups:
            target = moved.get(dest_id, dest_id)
            if target not in rows:
                self._only_in_source(df, i, keys[i], self.golden_of.get(keys[i]), dest_id,
                                     refused, inactive[i])  # fmt: skip
                continue
            gold = self.golden_of.get(keys[i])
            self._compare(df, i, keys[i], gold, target, packed[i], rows[target], inactive[i])

    def _packed_rows(self, frame: pd.DataFrame) -> dict[str, str]:
        ids = as_text_array(frame, self.sides.dest.spec.primary_key)
        return dict(zip(ids, self.sides.comparer.pack_frame(frame), strict=True))

    def follow_merges(self) -> None:
        """List mode: linked ids the listing did not have are looked up by id; one that
        was merged into another record is followed (link moved) and compared with it. A
        linked id gone from the list whose key another record now holds (the destination
        carried it over in a merge) is followed too."""
        if self.rematched:
            self._relink(self.rematched)
        if not self.missing_linked:
            return
        todo, rest = self.missing_linked[:MAX_LOOKUPS], len(self.missing_linked) - MAX_LOOKUPS
        if rest > 0:
            self.result.notes.append(
                f"{rest:,} more linked records missing from the destination's list were "
                "not looked up one by one (merges in the destination are followed on the "
                "next run that sends them)."
            )
        self._emit("looking up")
        try:
            found = self.sides.dest.lookup([f.dest_id for f, _p in todo])
        except (ConnectorError, NotImplementedError) as exc:
            self.result.notes.append(f"Missing linked records could not be looked up: {exc}")
            return
        if not found.moved:
            return
        self._relink(found.moved)
        winners = {w: self.rows.get(w) for w in found.moved.values()}
        absent = [w for w, row in winners.items() if row is None]
        extra = self._packed_rows(self.sides.dest.lookup(absent).rows) if absent else {}
        for finding, ours in todo:
            winner = found.moved.get(finding.dest_id)
            if not winner:
                continue
            row = winners.get(winner)
            theirs = row[1] if row is not None else extra.get(winner)
            if theirs is None:
                continue
            self.result.findings.remove(finding)
            self.rows.pop(winner, None)
            note = f"merged in the destination into {winner}"
            diffs = self.sides.comparer.diff(ours, theirs)
            if Comparer.differs(diffs):
                for d in diffs:
                    self.result.field_counts[d.field] += 1
                self.result.findings.append(
                    Finding("different", finding.key, winner, finding.golden_id, diffs, note,
                            finding.source)
                )  # fmt: skip
            else:
                self.result.same += 1

    def _relink(self, moved: dict[str, str]) -> None:
        """Follow merges made in the destination: the loser's link goes, the golden record
        is linked to the survivor (where the survivor is not already someone else's)."""
        entity, system = self.sides.dest.spec.entity, self.sides.dest_system
        pairs = [(old, self.gold_of_dest[old]) for old in moved if old in self.gold_of_dest]
        with self.store.session() as s:
            identity.drop_stale(s, entity, system, pairs)
            identity.link(s, entity, system, [(moved[old], gold) for old, gold in pairs])
        self.result.notes.append(
            f"{len(moved):,} record(s) merged in the destination were followed: "
            + ", ".join(f"{old} → {new}" for old, new in list(moved.items())[:5])
            + (" …" if len(moved) > 5 else "")
        )

    # --- what is left ------------------------------------------------------------------
    def leftovers(self) -> None:
        """Destination records no source record matched: only in the destination. One
        linked to a source record that was not read is that record, gone from the source
        (deleted?); one linked to a record that was read is a second copy of it."""
        golds = {self.gold_of_dest.get(d) for d in self.rows} - {None}
        key_of = {g: k for k, g in self.golden_of.items() if g in golds}
        for dest_id in sorted(self.rows):
            gold = self.gold_of_dest.get(dest_id)
            key = key_of.get(gold, "") if gold else ""
            if not gold:
                note = "not from this source"
            elif not key:
                note = "linked to a record of this source's system, not read by this flow"
            elif key in self.seen:
                note = f"a second copy of source record {key}"
            else:
                note = f"source record {key} is gone from the source (deleted?)"
            self.result.findings.append(
                Finding("only_in_destination", key, dest_id, gold, [], note)
            )
        self.rows.clear()
        self.by_match.clear()

    def run(self) -> Comparison:
        if self.result.method == "list":
            self.read_destination()
            self.read_source()
            self.follow_merges()
            self.leftovers()
        else:
            self.read_source()
            self.result.notes.append(
                f"{self.sides.dest_label} cannot list all its {self.sides.dest.spec.name}: "
                f"each linked record was looked up by id ({self.result.dest_count:,} found), "
                "within the connection's rate limit. Records only in the destination cannot "
                "be found this way."
            )
        if self.result.withheld:
            self.result.notes.append(
                f"{self.result.withheld:,} record(s) of people erased here were left out, "
                "as every run leaves them out."
            )
        self._emit("done")
        return self.result
