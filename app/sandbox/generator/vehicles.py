"""Vehicle catalogue (make/model/trims/body/years/WMIs/base MSRP) and a vectorised VIN builder.

Model-year ranges are approximate US production years; a generated vehicle's model is
always one that was built in its year. WMIs are real manufacturer codes for each make.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.sandbox.generator.fmt import Obj, objects


@dataclass(frozen=True)
class Model:
    """One model line: years built, base MSRP (current dollars), trims, WMIs, popularity."""

    make: str
    model: str
    body: str
    first_year: int
    last_year: int
    msrp: int
    trims: tuple[str, ...]
    wmis: tuple[str, ...]
    weight: float


# make|model|body|first-last|msrp|trims|wmis|weight
_CATALOGUE = """
Ford|F-150|Pickup|1995-2027|41000|XL,XLT,Lariat,King Ranch,Platinum|1FT|10
Ford|Escape|SUV|2001-2027|30000|S,SE,SEL,Titanium,ST-Line|1FM|6
Ford|Explorer|SUV|1995-2027|39000|Base,XLT,Limited,ST,Platinum|1FM|5
Ford|Mustang|Coupe|1995-2027|32000|EcoBoost,GT,Mach 1|1FA|3
Ford|Fusion|Sedan|2006-2020|24000|S,SE,Titanium|3FA|4
Ford|Focus|Sedan|2000-2018|19000|S,SE,Titanium,ST|1FA|3
Ford|Edge|SUV|2007-2024|37000|SE,SEL,ST-Line,Titanium|2FM|3
Ford|Bronco|SUV|2021-2027|41000|Base,Big Bend,Outer Banks,Badlands,Wildtrak|1FM|2
Ford|Maverick|Pickup|2022-2027|26000|XL,XLT,Lariat|3FT|2
Ford|Ranger|Pickup|2019-2027|34000|XL,XLT,Lariat|1FT|2
Ford|Mustang Mach-E|SUV|2021-2027|43000|Select,Premium,GT|3FM|1
Ford|Expedition|SUV|1997-2027|59000|XL,XLT,Limited,Platinum|1FM|2
Chevrolet|Silverado 1500|Pickup|1999-2027|42000|WT,Custom,LT,RST,LTZ,High Country|1GC,3GC|9
Chevrolet|Equinox|SUV|2005-2027|29000|LS,LT,RS,Premier|2GN,3GN|6
Chevrolet|Malibu|Sedan|1997-2025|26000|LS,LT,RS,Premier|1G1|4
Chevrolet|Tahoe|SUV|1995-2027|58000|LS,LT,RST,Z71,Premier,High Country|1GN|3
Chevrolet|Traverse|SUV|2009-2027|39000|LS,LT,RS,Premier|1GN|3
Chevrolet|Camaro|Coupe|2010-2024|31000|1LT,2LT,SS,ZL1|1G1|1
Chevrolet|Cruze|Sedan|2011-2019|20000|L,LS,LT,Premier|1G1|2
Chevrolet|Colorado|Pickup|2015-2027|32000|WT,LT,Z71,ZR2|1GC|2
Chevrolet|Trax|SUV|2015-2027|22000|LS,LT,RS,Activ|KL7|2
Chevrolet|Bolt EV|Hatchback|2017-2023|28000|1LT,2LT|1G1|1
Toyota|Camry|Sedan|1995-2027|29000|LE,SE,XLE,XSE|4T1|7
Toyota|Corolla|Sedan|1995-2027|23000|L,LE,SE,XSE|2T1,5YF,JTD|6
Toyota|RAV4|SUV|1996-2027|31000|LE,XLE,XLE Premium,Adventure,Limited|2T3,JTM,4T3|8
Toyota|Highlander|SUV|2001-2027|41000|LE,XLE,Limited,Platinum|5TD|4
Toyota|Tacoma|Pickup|1995-2027|34000|SR,SR5,TRD Sport,TRD Off-Road,Limited|5TF,3TM|4
Toyota|Tundra|Pickup|2000-2027|43000|SR,SR5,Limited,Platinum,1794 Edition|5TF|2
Toyota|Prius|Hatchback|2001-2027|28000|LE,XLE,Limited|JTD|2
Toyota|Sienna|Minivan|1998-2027|40000|LE,XLE,Limited,Platinum|5TD|2
Toyota|4Runner|SUV|1995-2027|41000|SR5,TRD Off-Road,Limited,TRD Pro|JTE|2
Honda|Civic|Sedan|1995-2027|25000|LX,Sport,EX,Touring,Si|2HG,19X|7
Honda|Accord|Sedan|1995-2027|29000|LX,Sport,EX-L,Touring|1HG|6
Honda|CR-V|SUV|1997-2027|31000|LX,EX,EX-L,Sport,Touring|5J6,2HK,7FA|7
Honda|Pilot|SUV|2003-2027|41000|LX,EX-L,Sport,TrailSport,Elite|5FN|3
Honda|Odyssey|Minivan|1995-2027|39000|LX,EX,EX-L,Touring,Elite|5FN|2
Honda|HR-V|SUV|2016-2027|26000|LX,Sport,EX-L|3CZ|2
Honda|Ridgeline|Pickup|2006-2027|41000|Sport,RTL,TrailSport,Black Edition|5FP|1
Nissan|Altima|Sedan|1995-2027|27000|S,SV,SR,SL|1N4|4
Nissan|Sentra|Sedan|1995-2027|21000|S,SV,SR|3N1|3
Nissan|Rogue|SUV|2008-2027|30000|S,SV,SL,Platinum|JN8,5N1|5
Nissan|Pathfinder|SUV|1995-2027|37000|S,SV,SL,Platinum|5N1|2
Nissan|Frontier|Pickup|1998-2027|32000|S,SV,PRO-4X|1N6|2
Nissan|Murano|SUV|2003-2027|36000|S,SV,SL,Platinum|5N1|1
Hyundai|Elantra|Sedan|1995-2027|22000|SE,SEL,N Line,Limited|5NP,KMH|4
Hyundai|Sonata|Sedan|1995-2027|27000|SE,SEL,N Line,Limited|5NP|3
Hyundai|Tucson|SUV|2005-2027|29000|SE,SEL,N Line,Limited|KM8,5NM|4
Hyundai|Santa Fe|SUV|2001-2027|33000|SE,SEL,XRT,Limited,Calligraphy|5NM,KM8|3
Hyundai|Palisade|SUV|2020-2027|38000|SE,SEL,XRT,Limited,Calligraphy|KM8|2
Hyundai|Kona|SUV|2018-2027|24000|SE,SEL,N Line,Limited|KM8|2
Jeep|Wrangler|SUV|1997-2027|35000|Sport,Sport S,Sahara,Rubicon|1C4|4
Jeep|Grand Cherokee|SUV|1995-2027|41000|Laredo,Altitude,Limited,Overland,Summit|1C4|5
Jeep|Cherokee|SUV|2014-2023|31000|Latitude,Latitude Lux,Trailhawk,Limited|1C4|3
Jeep|Compass|SUV|2007-2027|29000|Sport,Latitude,Limited,Trailhawk|3C4|2
Jeep|Gladiator|Pickup|2020-2027|41000|Sport,Willys,Mojave,Rubicon|1C6|1
Ram|1500|Pickup|2011-2027|43000|Tradesman,Big Horn,Laramie,Rebel,Limited|1C6|6
Ram|2500|Pickup|2011-2027|49000|Tradesman,Big Horn,Laramie,Power Wagon|3C6|2
Subaru|Outback|Wagon|1995-2027|31000|Base,Premium,Limited,Touring,Wilderness|4S4|3
Subaru|Forester|SUV|1998-2027|30000|Base,Premium,Sport,Limited,Touring|JF2|3
Subaru|Crosstrek|SUV|2013-2027|27000|Base,Premium,Sport,Limited|JF2|2
Subaru|Impreza|Sedan|1995-2027|23000|Base,Premium,Sport|JF1,4S3|1
Subaru|Ascent|SUV|2019-2027|37000|Base,Premium,Limited,Touring|4S4|1
Kia|Sorento|SUV|2003-2027|33000|LX,S,EX,SX,X-Line|5XY|3
Kia|Telluride|SUV|2020-2027|38000|LX,S,EX,SX,X-Pro|5XY|2
Kia|Forte|Sedan|2010-2027|21000|LX,LXS,GT-Line,GT|3KP,KNA|3
Kia|Sportage|SUV|1995-2027|29000|LX,EX,X-Line,SX|KND,5XY|3
Kia|Soul|Hatchback|2010-2027|22000|LX,S,GT-Line,EX|KND|2
BMW|3 Series|Sedan|1995-2027|46000|330i,330i xDrive,M340i|WBA,3MW|2
BMW|5 Series|Sedan|1995-2027|59000|530i,530i xDrive,540i,M550i|WBA|1
BMW|X3|SUV|2004-2027|50000|sDrive30i,xDrive30i,M40i|5UX,WBX|2
BMW|X5|SUV|2000-2027|67000|sDrive40i,xDrive40i,xDrive50e,M60i|5UX|1
Tesla|Model 3|Sedan|2017-2027|41000|Standard Range,Long Range,Performance|5YJ|2
Tesla|Model Y|SUV|2020-2027|46000|Long Range,Performance|7SA,5YJ|2
Tesla|Model S|Sedan|2012-2027|80000|Long Range,Plaid|5YJ|0.5
Tesla|Model X|SUV|2016-2027|90000|Long Range,Plaid|5YJ|0.3
"""


def _catalogue() -> tuple[Model, ...]:
    out: list[Model] = []
    for row in _CATALOGUE.strip().splitlines():
        make, model, body, years, msrp, trims, wmis, weight = row.split("|")
        first, last = (int(y) for y in years.split("-"))
        out.append(
            Model(
                make,
                model,
                body,
                first,
                last,
                int(msrp),
                tuple(trims.split(",")),
                tuple(wmis.split(",")),
                float(weight),
            )
        )
    return tuple(out)


CATALOGUE: tuple[Model, ...] = _catalogue()
MAKES: Obj = objects([m.make for m in CATALOGUE])
MODELS: Obj = objects([m.model for m in CATALOGUE])
BODIES: Obj = objects([m.body for m in CATALOGUE])
FIRST_YEAR = np.array([m.first_year for m in CATALOGUE])
LAST_YEAR = np.array([m.last_year for m in CATALOGUE])
BASE_MSRP = np.array([m.msrp for m in CATALOGUE], dtype=np.int64)
MODEL_WEIGHTS = np.array([m.weight for m in CATALOGUE])
TRIM_COUNTS = np.array([len(m.trims) for m in CATALOGUE])
TRIM_OFFSETS = np.cumsum(TRIM_COUNTS) - TRIM_COUNTS
TRIMS: Obj = objects([t for m in CATALOGUE for t in m.trims])
WMI_COUNTS = np.array([len(m.wmis) for m in CATALOGUE])
WMI_OFFSETS = np.cumsum(WMI_COUNTS) - WMI_COUNTS
WMIS = np.array([w for m in CATALOGUE for w in m.wmis], dtype="S3")
# The demo rooftop's franchises: only these makes are sold NEW or CPO.
FRANCHISE_MAKES: tuple[str, ...] = ("Ford", "Toyota", "Honda")

COLORS: Obj = objects(
    ["White", "Black", "Gray", "Silver", "Blue", "Red", "Green", "Brown", "Beige", "Orange"]
)
COLOR_WEIGHTS = np.array([25, 22, 18, 12, 10, 8, 2, 1.5, 1, 0.5])
INTERIOR_COLORS: Obj = objects(["Black", "Gray", "Beige", "Brown", "Ebony Leather", "Ivory"])

# --- VIN ---------------------------------------------------------------------------------
VIN_CHARS = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # never I, O, Q
_VALUE = np.zeros(128, dtype=np.int64)
for _i, _c in enumerate(b"0123456789"):
    _VALUE[_c] = _i
for _c, _v in zip(b"ABCDEFGHJKLMNPRSTUVWXYZ", (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3,
                                              4, 5, 6, 7, 8, 9), strict=True):  # fmt: skip
    _VALUE[_c] = _v
_WEIGHTS = np.array([8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)
# Model-year codes cycle every 30 years: 1980 = A ... 2000 = Y, 2001 = 1 ... 2009 = 9, 2010 = A.
YEAR_CODES = b"ABCDEFGHJKLMNPRSTVWXY123456789"
_LETTERS = np.frombuffer(b"ABCDEFGHJKLMNPRSTUVWXYZ", dtype=np.uint8)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
_ALNUM = np.frombuffer(VIN_CHARS, dtype=np.uint8)


def year_code(years: npt.ArrayLike) -> np.ndarray:
    """VIN position-10 code (as uint8 ASCII) for model years 1980-2039."""
    codes = np.frombuffer(YEAR_CODES, dtype=np.uint8)
    return codes[(np.asarray(years, dtype=np.int64) - 1980) % 30]


def check_digit(vins: npt.NDArray[np.uint8]) -> np.ndarray:
    """Check digit (uint8 ASCII '0'-'9' or 'X') for an (n, 17) matrix of VIN characters."""
    total = (_VALUE[vins] * _WEIGHTS).sum(axis=1) % 11
    return np.where(total == 10, ord("X"), total + ord("0")).astype(np.uint8)


def build_vins(
    rng: np.random.Generator, model_idx: np.ndarray, years: np.ndarray, serial_start: int
) -> Obj:
    """Valid, unique-by-serial VINs for vehicles of catalogue models and model years.

    WMI from the make; VDS random except position 7, which is a letter from 2010 on and a
    digit before (how North American decoders tell 1980-2009 from 2010-2039); check digit
    computed; position 10 is the year code; 11 the plant; 12-17 a serial that is unique
    for the first million vehicles of a data set (``serial_start`` + row, permuted).
    """
    n = len(model_idx)
    vin = np.empty((n, 17), dtype=np.uint8)
    pick = WMI_OFFSETS[model_idx] + (rng.random(n) * WMI_COUNTS[model_idx]).astype(np.int64)
    vin[:, 0:3] = WMIS[pick].view(np.uint8).reshape(n, 3)
    vin[:, 3:8] = _ALNUM[rng.integers(0, len(_ALNUM), size=(n, 5))]
    modern = np.asarray(years) >= 2010
    vin[:, 6] = np.where(
        modern,
        _LETTERS[rng.integers(0, len(_LETTERS), n)],
        _DIGITS[rng.integers(0, 10, n)],
    )
    vin[:, 8] = ord("0")
    vin[:, 9] = year_code(years)
    vin[:, 10] = _ALNUM[rng.integers(0, len(_ALNUM), n)]
    # 999_983 is prime: multiplying by a unit mod 10**6 permutes serials without repeats.
    serial = ((serial_start + np.arange(n, dtype=np.int64)) * 999_983 + 104_729) % 1_000_000
    for pos in range(6):
        vin[:, 16 - pos] = ord("0") + serial // 10**pos % 10
    vin[:, 8] = check_digit(vin)
    return vin.view("S17").ravel().astype("U17").astype(object)


def pick_models(
    rng: np.random.Generator, years: np.ndarray, makes: Obj | None = None
) -> np.ndarray:
    """Catalogue index per vehicle, by popularity, among models built in that model year.

    ``makes`` (optional) restricts each vehicle to one make. Years outside every model's
    range are clipped by the caller beforehand.
    """
    years = np.asarray(years)
    ok = (FIRST_YEAR[None, :] <= years[:, None]) & (years[:, None] <= LAST_YEAR[None, :])
    if makes is not None:
        ok &= MAKES[None, :] == np.asarray(makes)[:, None]
    w = np.where(ok, MODEL_WEIGHTS[None, :], 0.0)
    cum = np.cumsum(w, axis=1)
    u = rng.random(len(years)) * cum[:, -1]
    return (cum <= u[:, None]).sum(axis=1).clip(0, len(CATALOGUE) - 1)


def pick_trims(rng: np.random.Generator, model_idx: np.ndarray) -> tuple[Obj, np.ndarray]:
    """(trim name, trim rank 0..k-1) per vehicle; lower trims are more common."""
    counts = TRIM_COUNTS[model_idx]
    rank = np.minimum((rng.random(len(model_idx)) ** 1.4 * counts).astype(np.int64), counts - 1)
    return TRIMS[TRIM_OFFSETS[model_idx] + rank], rank


def msrp_cents(model_idx: np.ndarray, trim_rank: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Sticker price in cents: base MSRP, +9% per trim step, ~2.5%/yr less for older years."""
    factor = (1 + 0.09 * trim_rank) * (1 - 0.025 * np.clip(2026 - np.asarray(years), 0, 30))
    dollars = (BASE_MSRP[model_idx] * factor / 5).round() * 5 - 5  # ends in ...95
    return (dollars * 100).astype(np.int64)
