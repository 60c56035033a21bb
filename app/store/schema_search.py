"""DDL v8: a leaner record search index, cheaper to keep up to date on a large sync.

- The business-key indexes of ``record_index`` become partial (``WHERE col IS NOT NULL``):
  a customer has no VIN, stock, deal or RO number, and a NULL entry in five indexes per row
  was most of the cost of indexing a 100,000-customer sync. ``col = ?`` still uses them.
- The name index (FTS5) keeps only which records hold a word (``detail=none``, no column
  sizes): search asks for word prefixes, never phrases or ranking, and the positions it
  no longer stores were half its write cost.
- ``contact_index`` is dropped: the pre-entry duplicate check looks customers up by the
  same normalised e-mail and phone that ``record_index`` already keeps.
"""

from __future__ import annotations

_PARTIAL = {
    "ix_record_index_email": "email",
    "ix_record_index_phone": "phone",
    "ix_record_index_vin": "vin",
    "ix_record_index_stock": "stock_number",
    "ix_record_index_deal": "deal_number",
    "ix_record_index_ro": "ro_number",
    "ix_record_index_customer": "customer_number",
}

STATEMENTS: list[str] = [
    *(f"DROP INDEX IF EXISTS {name}" for name in _PARTIAL),
    *(
        f"CREATE INDEX {name} ON record_index ({column}) WHERE {column} IS NOT NULL"
        for name, column in _PARTIAL.items()
    ),
    # What contact_index knew moves over first (a store from before v3 has contacts there
    # that record_index, added in v3, never saw).
    """INSERT INTO record_index (entity, system, record_key, name, email, phone, updated_at)
        SELECT 'customer', system, external_id, '', email, phone,
               strftime('%Y-%m-%d %H:%M:%S.000000', 'now')
        FROM contact_index WHERE true
        ON CONFLICT (entity, system, record_key) DO UPDATE SET
            email = coalesce(record_index.email, excluded.email),
            phone = coalesce(record_index.phone, excluded.phone)""",
    "DROP TABLE IF EXISTS contact_index",
    "DROP TRIGGER IF EXISTS record_index_ai",
    "DROP TRIGGER IF EXISTS record_index_ad",
    "DROP TRIGGER IF EXISTS record_index_au",
    "DROP TABLE IF EXISTS record_index_fts",
    """CREATE VIRTUAL TABLE record_index_fts USING fts5(
        name, content='record_index', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', detail=none, columnsize=0
    )""",
    """CREATE TRIGGER record_index_ai AFTER INSERT ON record_index BEGIN
        INSERT INTO record_index_fts(rowid, name) VALUES (new.id, new.name);
    END""",
    """CREATE TRIGGER record_index_ad AFTER DELETE ON record_index BEGIN
        INSERT INTO record_index_fts(record_index_fts, rowid, name)
            VALUES ('delete', old.id, old.name);
    END""",
    # Only when the name really changed: the engine re-indexes every record it reads.
    """CREATE TRIGGER record_index_au AFTER UPDATE OF name ON record_index
        WHEN old.name IS NOT new.name BEGIN
        INSERT INTO record_index_fts(record_index_fts, rowid, name)
            VALUES ('delete', old.id, old.name);
        INSERT INTO record_index_fts(rowid, name) VALUES (new.id, new.name);
    END""",
    "INSERT INTO record_index_fts(record_index_fts) VALUES ('rebuild')",
]
