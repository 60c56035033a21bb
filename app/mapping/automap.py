"""Auto-map: suggest which source field feeds which target field, with a confidence and a
starting transform chain. Pure: names (and optionally sample values) in, suggestions out.

Two signals: a synonym dictionary of DMS and CRM field names (CUST_NO and external_id are
both "the customer number") and name similarity (rapidfuzz) on normalised names.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from app.mapping.model import Mapping, Rule, Step
from app.mapping.names import key

# concept -> names seen in DMS extracts, DMS APIs and CRMs (any spelling; normalised).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_number": ("CUST_NO", "CUSTNO", "CUST_NUM", "CUSTOMER_NUMBER", "CUSTOMER_NO",
                        "CUST_ID", "customer_id", "customerId", "external_id", "externalId",
                        "DMS_ID", "dms_customer_id"),
    "first_name": ("FIRST_NAME", "FNAME", "FIRST", "firstName", "given_name", "givenName"),
    "middle_name": ("MIDDLE_NAME", "MNAME", "MI", "middleName", "middle_initial"),
    "last_name": ("LAST_NAME", "LNAME", "LAST", "lastName", "surname", "family_name",
                  "familyName"),
    "company": ("COMPANY", "COMPANY_NAME", "companyName", "BUS_NAME", "business_name",
                "organization", "account_name"),
    "full_name": ("NAME", "FULL_NAME", "fullName", "CUST_NAME", "customer_name",
                  "display_name"),
    "email": ("EMAIL", "EMAIL_ADDR", "EMAIL_ADDRESS", "emailAddress", "e_mail", "mail"),
    "home_phone": ("HOME_PH", "HOME_PHONE", "homePhone", "phone", "PHONE", "PH",
                   "phone_number", "phoneNumber", "primary_phone", "TEL"),
    "work_phone": ("BUS_PH", "WORK_PH", "WORK_PHONE", "BUSINESS_PHONE", "workPhone",
                   "businessPhone", "office_phone"),
    "mobile_phone": ("CELL_PH", "CELL", "CELL_PHONE", "MOBILE", "MOBILE_PH", "mobilePhone",
                     "mobile", "cellPhone", "sms_phone"),
    "street": ("ADDR1", "ADDRESS1", "ADDRESS", "ADDR_LINE1", "address_line1", "street",
               "streetAddress", "street1", "address1"),
    "street2": ("ADDR2", "ADDRESS2", "ADDR_LINE2", "address_line2", "street2", "unit"),
    "city": ("CITY", "TOWN", "city"),
    "state": ("STATE", "ST", "PROV", "province", "region", "state_code", "stateCode"),
    "postal_code": ("ZIP", "ZIPCODE", "ZIP_CODE", "POSTAL", "postalCode", "postal_code",
                    "postcode", "zip5"),
    "birth_date": ("DOB", "BIRTH_DATE", "BIRTHDATE", "birthday", "dateOfBirth", "birthDate"),
    "vin": ("VIN", "VIN_NO", "vehicle_vin", "vinNumber"),
    "email_opt_in": ("opt_in_email", "EMAIL_OPT_IN", "EMAIL_OK", "emailOptIn",
                     "email_consent"),
    "email_opt_out": ("email_opt_out", "EMAIL_OPT_OUT", "DO_NOT_EMAIL", "emailOptOut",
                      "unsubscribed"),
    "sms_opt_in": ("opt_in_sms", "SMS_OPT_IN", "TEXT_OK", "smsOptIn", "sms_consent"),
    "sms_opt_out": ("sms_opt_out", "SMS_OPT_OUT", "DO_NOT_TEXT", "smsOptOut"),
    "created": ("created_at", "CREATE_DATE", "CREATED", "createdAt", "date_created"),
    "updated": ("updated_at", "LAST_UPDATE", "UPDATED", "updatedAt", "modified_at",
                "LAST_MODIFIED"),
    "stock_number": ("STOCK_NO", "STOCK", "stock_number", "stockNumber", "STK_NO"),
    "deal_number": ("DEAL_NO", "DEAL_NUM", "deal_number", "dealNumber"),
    "sale_type": ("SALE_TYPE", "DEAL_TYPE", "deal_type", "saleType"),
}  # fmt: skip
# Concepts that mean the same thing for a mapping (a CRM "phone" takes the home phone).
RELATED = {("home_phone", "work_phone"): 0.75}
# Opposite-polarity pairs: the value must be flipped on the way.
NEGATED = {("email_opt_in", "email_opt_out"), ("sms_opt_in", "sms_opt_out")}

_NAME = (Step("trim"), Step("name_case"))
CHAINS: dict[str, tuple[Step, ...]] = {
    "first_name": _NAME,
    "middle_name": _NAME,
    "last_name": _NAME,
    "company": (Step("collapse_spaces"),),
    "full_name": (Step("collapse_spaces"), Step("name_case")),
    "email": (Step("email"),),
    "home_phone": (Step("phone_e164"),),
    "work_phone": (Step("phone_e164"),),
    "mobile_phone": (Step("phone_e164"),),
    "street": (Step("collapse_spaces"),),
    "street2": (Step("collapse_spaces"),),
    "city": (Step("trim"), Step("title")),
    "state": (Step("trim"), Step("upper")),
    "postal_code": (Step("zip5"),),
    "birth_date": (Step("date"),),
    "vin": (Step("vin"),),
    "email_opt_in": (Step("boolean"),),
    "email_opt_out": (Step("boolean"),),
    "sms_opt_in": (Step("boolean"),),
    "sms_opt_out": (Step("boolean"),),
}

_CONCEPT_OF = {key(n): c for c, names in SYNONYMS.items() for n in (c, *names)}


@dataclass(frozen=True)
class Suggestion:
    source: str
    target: str
    confidence: float  # 0..1
    steps: tuple[Step, ...]
    why: str

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


def concept(name: str) -> str | None:
    return _CONCEPT_OF.get(key(name))


def _score(source: str, target: str) -> tuple[float, str, tuple[Step, ...]]:
    s_key, t_key = key(source), key(target)
    s_con, t_con = concept(source), concept(target)
    if s_con and t_con:
        if s_con == t_con:
            same = s_key == t_key
            return (
                (1.0 if same else 0.95),
                "same name" if same else "known synonym",
                CHAINS.get(t_con, ()),
            )
        for (a, b), weight in RELATED.items():
            if {s_con, t_con} == {a, b}:
                return weight, "related field", CHAINS.get(t_con, ())
        if (s_con, t_con) in NEGATED or (t_con, s_con) in NEGATED:
            return 0.9, "opposite yes/no (value is flipped)", (Step("boolean", {"negate": True}),)
        return 0.0, "", ()
    if s_key == t_key:
        return 1.0, "same name", CHAINS.get(t_con or s_con or "", ())
    ratio = fuzz.token_sort_ratio(s_key, t_key) / 100
    partial = fuzz.partial_ratio(s_key.replace(" ", ""), t_key.replace(" ", "")) / 100
    score = max(ratio, partial * 0.9) * 0.85
    return score, "similar name", CHAINS.get(t_con or s_con or "", ())


def suggest(
    sources: list[str],
    targets: list[str],
    *,
    already: dict[str, str] | None = None,
    threshold: float = 0.6,
) -> list[Suggestion]:
    """Best source for each target (each source used once), best first. ``already`` maps
    targets that are mapped to their source; those targets and sources are left alone."""
    already = already or {}
    taken_sources = set(already.values())
    free_targets = [t for t in targets if t not in already]
    free_sources = [s for s in sources if s not in taken_sources]
    scored: list[Suggestion] = []
    for t in free_targets:
        for s in free_sources:
            score, why, steps = _score(s, t)
            if score >= threshold:
                scored.append(Suggestion(s, t, round(score, 2), steps, why))
    scored.sort(key=lambda x: (-x.confidence, targets.index(x.target)))
    chosen: list[Suggestion] = []
    used_s: set[str] = set()
    used_t: set[str] = set()
    for sug in scored:
        if sug.source in used_s or sug.target in used_t:
            continue
        chosen.append(sug)
        used_s.add(sug.source)
        used_t.add(sug.target)
    return sorted(chosen, key=lambda x: targets.index(x.target))


def as_mapping(
    suggestions: list[Suggestion],
    targets: list[str],
    *,
    required: set[str] | frozenset[str] = frozenset(),
    first: tuple[Rule, ...] = (),
) -> Mapping:
    """A mapping of ``first`` (e.g. the record key's rule) and one rule per suggestion,
    in the order of ``targets``; rules for ``required`` targets are marked required."""
    taken = {r.target for r in first}
    rules = [
        Rule(s.target, (s.source,), s.steps, s.target in required)
        for s in suggestions
        if s.target not in taken
    ]
    rules.sort(key=lambda r: targets.index(r.target) if r.target in targets else len(targets))
    return Mapping((*first, *rules))
