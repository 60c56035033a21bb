import pandas as pd

from app.store import Store
from app.sync.engine import SyncEngine
from app.sync.search import search
from tests.support.memory_connector import World
from tests.support.memory_flow import customer

_STAMPS = "SELECT record_key, updated_at FROM record_index"


def test_records_read_by_a_flow_are_found_by_name_phone_email_and_key(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [
        customer(1, first_name="Robert", last_name="Smith", email="Bob.Smith@Example.com",
                 mobile_phone="(313) 204-0142"),
        customer(2, first_name="Elizabeth", last_name="Ortiz"),
    ]  # fmt: skip
    SyncEngine(store).run(memory_flow)
    assert [h.record_key for h in search(store, "bob.smith@example.com")] == ["C00001"]
    assert [h.record_key for h in search(store, "313-204-0142")] == ["C00001"]
    assert [h.record_key for h in search(store, "C00002")] == ["C00002"]
    assert [h.record_key for h in search(store, "rob smi")] == ["C00001"]
    assert [h.name for h in search(store, "ortiz")] == ["Elizabeth Ortiz"]
    assert search(store, "nobody") == [] and search(store, "  ") == []
    hit = search(store, "C00001")[0]
    assert hit.golden_id and hit.email == "bob.smith@example.com" and hit.phone == "+13132040142"


def test_the_index_normalises_contacts_exactly_as_the_per_value_functions() -> None:
    import pandas as pd

    from app.domain import fastpaths
    from app.mapping import transforms_contact as contact
    from app.sync import search

    emails = pd.Series(["", "Bob@Example.COM", "bad@", "x@y", " a@b.com ", "zoë@exämple.de"])
    phones = pd.Series(
        ["", "(555) 123-4567", "12", "+44 20 7946 0958", "555-0100 x12", "1-800-FLOWERS"]
    )
    assert search._valid(contact.email(emails)) == [
        fastpaths.email(e) if e else None for e in emails
    ]
    assert search._valid(contact.phone_e164(phones)) == [
        fastpaths.phone_e164(p) if p else None for p in phones
    ]


def test_names_stay_searchable_as_records_change_and_unchanged_rows_are_not_rewritten(
    store: Store, world: type[World], memory_flow: str
) -> None:
    """New rows reach the name index in one statement per chunk (no per-row trigger); a
    changed name is re-indexed; a record read again unchanged is not written again."""
    world.source = [
        customer(1, first_name="Robert", last_name="Smith"),
        customer(2, first_name="Elizabeth", last_name="Ortiz"),
    ]
    SyncEngine(store).run(memory_flow)
    with store.engine.connect() as conn:
        stamps = {k: v for k, v in conn.exec_driver_sql(_STAMPS)}
    world.source = [
        customer(1, first_name="Robert", last_name="Smythe"),
        customer(2, first_name="Elizabeth", last_name="Ortiz"),
        customer(3, first_name="Zoë", last_name="Brien"),
    ]
    SyncEngine(store).run(memory_flow, full=True)
    assert [h.record_key for h in search(store, "smythe")] == ["C00001"]
    assert search(store, "smith") == []
    assert [h.record_key for h in search(store, "zoe bri")] == ["C00003"]
    assert [h.record_key for h in search(store, "ortiz")] == ["C00002"]
    with store.engine.begin() as conn:
        again = {k: v for k, v in conn.exec_driver_sql(_STAMPS)}
        assert again["C00002"] == stamps["C00002"]  # unchanged: not rewritten
        assert again["C00001"] != stamps["C00001"]
        conn.exec_driver_sql(
            "INSERT INTO record_index_fts (record_index_fts) VALUES ('integrity-check')"
        )


def test_a_marketing_profile_is_found_by_its_phone_number(store: Store) -> None:
    """Klaviyo calls its one phone ``phone_number``: a profile the consent flows read is
    found by it (and is not counted as a customer without a phone)."""
    from app.sync.search import index_rows

    profile = {"profile_id": "01HX", "first_name": "Ana", "last_name": "Lopez", "email": "",
               "phone_number": "+13135550142"}  # fmt: skip
    with store.session() as s:
        index_rows(s, "customer", "klaviyo-uid", pd.DataFrame([profile]), "profile_id", {})
    [hit] = search(store, "(313) 555-0142")
    assert hit.record_key == "01HX" and hit.phone == "+13135550142"
