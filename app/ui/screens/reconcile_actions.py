"""The Reconcile and Shadow runs tabs' actions: Reconcile now / Shadow run now, Re-sync
these (the missing and different records through the engine, under the flow's lock),
Send everything again… (``flow run --full --resend``), Put in shadow mode / Go live…, and
a record's story. Each asks first where it sends anything, and runs on the thread pool."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from app.scheduling.runner import run_flow_locked
from app.services.audit import current_os_user
from app.services.flow_options import is_shadow
from app.services.flows import FlowInfo
from app.store import Store
from app.sync.engine import RunSummary
from app.sync.progress import CancelToken
from app.sync.reconcile_findings import ReconcileProgress
from app.sync.reconciliation import reconcile, resync
from app.sync.shadow import set_shadow
from app.ui.dialogs.record_timeline import RecordTimelineDialog
from app.ui.manager_mode import AccessController
from app.ui.models.reconcile_model import FINDING_ROLE
from app.ui.run_progress import RunProgress, throttled
from app.ui.screens.reconcile_data import Loaded
from app.ui.workers import run_in_background


class ReconcileActions:
    """Mixed into ``ReconcileScreen`` (which holds these attributes and the widgets)."""

    store: Store
    shadow: bool
    loaded: Loaded | None
    token: CancelToken | None
    progress: RunProgress
    access: AccessController | None
    proxy: Any  # QSortFilterProxyModel over the findings

    def reload(self, flow_id: int | None = None) -> None:
        raise NotImplementedError

    def _say(self, message: str) -> None:
        raise NotImplementedError

    def _update_buttons(self) -> None:
        raise NotImplementedError

    def _emit_status(self, message: str) -> None:
        raise NotImplementedError

    def _emit_resynced(self, summary: RunSummary) -> None:
        raise NotImplementedError

    @property
    def _widget(self) -> QWidget:
        assert isinstance(self, QWidget)
        return self

    def _flow(self) -> FlowInfo | None:
        return self.loaded.flow if self.loaded else None

    def _begin(self, title: str) -> CancelToken:
        token = CancelToken()
        self.token = token
        self.progress.begin(title, token)
        self._update_buttons()
        return token

    def _over(self) -> None:
        self.token = None
        self.progress.finish()
        self._update_buttons()
        self.reload()

    def run_now(self) -> None:
        flow = self._flow()
        if flow is None or self.token is not None:
            return
        who = f"{current_os_user()} (window)"
        store, flow_id = self.store, flow.id
        if self.shadow:
            if not is_shadow(flow.options):
                self._say(f"{flow.name} is live: put it in shadow mode first (it sends nothing "
                          "then), or use Reconcile to compare it.")  # fmt: skip
                return
            token = self._begin(f"Shadow run of {flow.name}…")

            def shadow_work(progress: Any) -> Any:
                return run_flow_locked(
                    store, flow_id, trigger="manual", triggered_by=who, cancel=token,
                    progress=throttled(progress), wait_s=2,
                )  # fmt: skip

            work: Any = shadow_work
        else:
            token = self._begin(f"Reconciling {flow.name}…")

            def reconcile_work(progress: Any) -> Any:
                last = [0.0]

                def relay(p: ReconcileProgress) -> None:
                    now = time.monotonic()
                    if p.phase == "done" or now - last[0] > 0.15:
                        last[0] = now
                        progress(p.source_read, 0, p.line())

                return reconcile(store, flow_id, triggered_by=who, progress=relay,
                                 cancel=token, wait_s=2)  # fmt: skip

            work = reconcile_work
        run_in_background(
            work, on_success=self._ran, on_failure=self._failed,
            on_progress=self.progress.update_progress, owner=self._widget,
        )  # fmt: skip

    def _ran(self, _result: Any) -> None:
        self._over()
        self._emit_status("Reconciled." if not self.shadow else "Shadow run done.")

    def _failed(self, message: str) -> None:
        self._over()
        self._say(message)

    def resync_these(self, *, confirm: bool = True) -> None:
        """Send the missing and different records of the report through the engine."""
        r = self.loaded.report if self.loaded else None
        if r is None or self.token is not None:
            return
        n = r.only_in_source + r.different
        question = (
            f"Send {n:,} records of {r.flow_name} again through the normal sync "
            f"({r.only_in_source:,} missing, {r.different:,} different)? Fields the "
            "destination owns are left as they are there. Records only in the destination "
            "are not touched."
        )
        if confirm and not self._ask("Re-sync these", question):
            return
        self._begin(f"Re-syncing {n:,} records of {r.flow_name}…")
        who, report_id = f"{current_os_user()} (window)", r.id
        store = self.store

        def work(progress: Any) -> RunSummary | None:
            return resync(store, report_id, triggered_by=who, progress=throttled(progress))

        run_in_background(
            work, on_success=self._resynced, on_failure=self._failed,
            on_progress=self.progress.update_progress, owner=self._widget,
        )  # fmt: skip

    def send_everything_again(self, *, confirm: bool = True) -> None:
        """``flow run --full --resend``: every record, whatever the app remembers sending
        (for a destination restored from a backup)."""
        flow = self._flow()
        if flow is None or self.token is not None:
            return
        question = (
            f"Read every record of {flow.name} and send each one again, whatever this "
            "app remembers having sent? Use it when the destination was restored from a "
            "backup or lost records. Nothing is duplicated (records are matched on their "
            "id), but a large flow takes as long as its first sync."
        )
        if confirm and not self._ask("Send everything again", question):
            return
        token = self._begin(f"Sending everything of {flow.name} again…")
        store, flow_id, who = self.store, flow.id, f"{current_os_user()} (window)"

        def work(progress: Any) -> RunSummary:
            return run_flow_locked(store, flow_id, full=True, resend=True, trigger="manual",
                                   triggered_by=who, cancel=token,
                                   progress=throttled(progress), wait_s=2)  # fmt: skip

        run_in_background(
            work, on_success=self._resynced, on_failure=self._failed,
            on_progress=self.progress.update_progress, owner=self._widget,
        )  # fmt: skip

    def _resynced(self, summary: RunSummary | None) -> None:
        self._over()
        if summary is None:
            self._emit_status("Nothing to send.")
            return
        c = summary.counts
        self._emit_status(
            f"{summary.flow}: sent again — {c['created']:,} created, {c['updated']:,} updated, "
            f"{c['parked'] + c['failed']:,} failed. Reconcile again to check."
        )
        self._emit_resynced(summary)

    def toggle_shadow(self, *, confirm: bool = True) -> None:
        flow = self._flow()
        if flow is None:
            return
        on = not is_shadow(flow.options)
        if not on and confirm:
            r = self.loaded.report if self.loaded else None
            plan = (
                f" Its last shadow run would create {r.only_in_source:,} and update "
                f"{r.different:,} records." if r else " It has no shadow run yet."
            )  # fmt: skip
            if not self._ask(
                "Go live",
                f"Turn {flow.name} on? From its next run it sends records to the destination "
                f"(turn the old integration off first).{plan}",
            ):
                return
        store, flow_id = self.store, flow.id
        run_in_background(
            lambda: set_shadow(store, flow_id, on), on_success=lambda _f: self.reload(),
            on_failure=self._say, owner=self._widget,
        )  # fmt: skip

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self._widget, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def open_record(self, index: Any) -> RecordTimelineDialog | None:
        finding = self.proxy.data(index, FINDING_ROLE)
        if finding is None:
            return None
        admin = self.access is None or self.access.policy.can_edit_flows
        dialog = RecordTimelineDialog(
            self.store, finding.outcome_id, admin=admin, parent=self._widget
        )
        dialog.open()
        return dialog
