"""US places: cities with state, real ZIP codes or ZIP prefixes and area codes; streets.

The demo dealer sits in metro Detroit, so most customers live in the surrounding suburbs
(real ZIPs listed); the rest are spread over other US cities (ZIP prefix + two digits),
as happens with customers who moved away or bought online.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.sandbox.generator.fmt import Obj, objects


@dataclass(frozen=True)
class City:
    """A city, its state, candidate ZIP5s and area codes; ``weight`` is its customer share."""

    name: str
    state: str
    zips: tuple[int, ...]
    area_codes: tuple[int, ...]
    weight: float


# name, real ZIPs, area codes, weight (metro Detroit, the dealer's market area)
_LOCAL = """
Troy|48083 48084 48085 48098|248 947|6
Royal Oak|48067 48073|248 947|5
Southfield|48033 48034 48075 48076|248 947|4
Warren|48088 48089 48091 48092 48093|586|6
Sterling Heights|48310 48312 48313 48314|586|6
Dearborn|48124 48126 48128|313|5
Livonia|48150 48152 48154|734|5
Farmington Hills|48331 48334 48335 48336|248 947|4
Novi|48374 48375 48377|248 947|4
Rochester Hills|48306 48307 48309|248 947|4
Auburn Hills|48326|248|2
Pontiac|48340 48341 48342|248|3
Bloomfield Hills|48301 48302 48304|248|2
Birmingham|48009|248|2
Ferndale|48220|248|2
Madison Heights|48071|248|2
Clinton Township|48035 48036 48038|586|5
Shelby Township|48315 48316 48317|586|3
Canton|48187 48188|734|4
Westland|48185 48186|734|3
Taylor|48180|313 734|3
Ann Arbor|48103 48104 48105 48108|734|4
Ypsilanti|48197 48198|734|2
Plymouth|48170|734|2
Northville|48167 48168|248|2
Grosse Pointe|48230 48236|313|2
St. Clair Shores|48080 48081 48082|586|3
Roseville|48066|586|2
Macomb|48042 48044|586|3
Detroit|48201 48202 48205 48207 48209 48210 48219 48221 48224 48228 48235|313|12
Dearborn Heights|48125 48127|313|3
Wyandotte|48192|734|1
Waterford|48327 48328 48329|248|3
Clarkston|48346 48348|248|2
West Bloomfield|48322 48323 48324|248|3
Oak Park|48237|248|2
Hamtramck|48212|313|1
"""

# name|state|ZIP prefix|area codes|weight (rest of the US)
_NATIONAL = """
Grand Rapids|MI|495|616|0.8
Lansing|MI|489|517|0.7
Flint|MI|485|810|0.8
Toledo|OH|436|419|0.6
Kalamazoo|MI|490|269|0.3
Saginaw|MI|486|989|0.3
New York|NY|100|212 718 917|0.3
Los Angeles|CA|900|213 310 323|0.3
Chicago|IL|606|312 773|0.5
Houston|TX|770|713 281 832|0.3
Phoenix|AZ|850|602 480|0.3
Philadelphia|PA|191|215 267|0.2
San Antonio|TX|782|210|0.2
San Diego|CA|921|619 858|0.2
Dallas|TX|752|214 972 469|0.3
San Jose|CA|951|408|0.1
Austin|TX|787|512|0.2
Jacksonville|FL|322|904|0.2
Columbus|OH|432|614|0.4
Fort Worth|TX|761|817|0.1
Indianapolis|IN|462|317|0.3
Charlotte|NC|282|704|0.2
Seattle|WA|981|206|0.1
Denver|CO|802|303 720|0.2
Boston|MA|021|617|0.1
Nashville|TN|372|615|0.2
Portland|OR|972|503|0.1
Las Vegas|NV|891|702|0.2
Memphis|TN|381|901|0.1
Louisville|KY|402|502|0.1
Baltimore|MD|212|410|0.1
Milwaukee|WI|532|414|0.2
Albuquerque|NM|871|505|0.1
Tucson|AZ|857|520|0.1
Fresno|CA|937|559|0.05
Sacramento|CA|958|916|0.05
Kansas City|MO|641|816|0.1
Atlanta|GA|303|404 678 770|0.2
Miami|FL|331|305 786|0.2
Raleigh|NC|276|919|0.1
Omaha|NE|681|402|0.05
Minneapolis|MN|554|612|0.1
Tulsa|OK|741|918|0.05
Cleveland|OH|441|216|0.3
Tampa|FL|336|813|0.2
New Orleans|LA|701|504|0.05
Pittsburgh|PA|152|412|0.1
Cincinnati|OH|452|513|0.2
St. Louis|MO|631|314|0.1
Orlando|FL|328|407|0.2
Salt Lake City|UT|841|801|0.05
Richmond|VA|232|804|0.05
Boise|ID|837|208|0.05
Des Moines|IA|503|515|0.05
Spokane|WA|992|509|0.03
Birmingham|AL|352|205|0.05
Buffalo|NY|142|716|0.05
Rochester|NY|146|585|0.05
Madison|WI|537|608|0.05
Lexington|KY|405|859|0.05
Knoxville|TN|379|865|0.05
Chattanooga|TN|374|423|0.03
Little Rock|AR|722|501|0.03
Oklahoma City|OK|731|405|0.05
Wichita|KS|672|316|0.03
Jackson|MS|392|601|0.03
Charleston|SC|294|843|0.05
Columbia|SC|292|803|0.03
Savannah|GA|314|912|0.03
Hartford|CT|061|860|0.03
Providence|RI|029|401|0.03
Manchester|NH|031|603|0.02
Burlington|VT|054|802|0.02
Portland|ME|041|207|0.02
Anchorage|AK|995|907|0.02
Honolulu|HI|968|808|0.02
Billings|MT|591|406|0.02
Fargo|ND|581|701|0.02
Sioux Falls|SD|571|605|0.02
Cheyenne|WY|820|307|0.02
Reno|NV|895|775|0.03
Newark|NJ|071|973|0.03
Wilmington|DE|198|302|0.02
Fort Wayne|IN|468|260|0.1
South Bend|IN|466|574|0.1
Akron|OH|443|330|0.1
Dayton|OH|454|937|0.1
Scottsdale|AZ|852|480|0.05
Sarasota|FL|342|941|0.1
Fort Myers|FL|339|239|0.1
Naples|FL|341|239|0.05
Myrtle Beach|SC|295|843|0.03
"""


def _cities() -> tuple[City, ...]:
    out: list[City] = []
    for row in _LOCAL.strip().splitlines():
        name, zips, areas, weight = row.split("|")
        out.append(
            City(
                name,
                "MI",
                tuple(int(z) for z in zips.split()),
                tuple(int(a) for a in areas.split()),
                float(weight),
            )
        )
    for i, row in enumerate(_NATIONAL.strip().splitlines()):
        name, state, prefix, areas, weight = row.split("|")
        base = int(prefix) * 100
        # A few fixed ZIPs per city so the same city keeps reappearing with the same codes.
        fixed = tuple(base + (7 * i + 13 * k) % 97 + 1 for k in range(3))
        out.append(City(name, state, fixed, tuple(int(a) for a in areas.split()), float(weight)))
    # Normalise: 85% of customers are local, 15% from elsewhere.
    local = sum(c.weight for c in out if c.state == "MI" and c.zips[0] // 1000 == 48)
    total = sum(c.weight for c in out)
    return tuple(
        City(
            c.name,
            c.state,
            c.zips,
            c.area_codes,
            c.weight * (0.85 / local if c.zips[0] // 1000 == 48 else 0.15 / (total - local)),
        )
        for c in out
    )


CITIES: tuple[City, ...] = _cities()
CITY_NAMES: Obj = objects([c.name for c in CITIES])
CITY_STATES: Obj = objects([c.state for c in CITIES])
CITY_WEIGHTS = np.array([c.weight for c in CITIES])
# Flattened ZIP and area-code tables with per-city offsets for vectorised picks.
ZIP_COUNTS = np.array([len(c.zips) for c in CITIES])
ZIP_OFFSETS = np.cumsum(ZIP_COUNTS) - ZIP_COUNTS
ZIP_TABLE = np.array([z for c in CITIES for z in c.zips], dtype=np.int64)
AREA_COUNTS = np.array([len(c.area_codes) for c in CITIES])
AREA_OFFSETS = np.cumsum(AREA_COUNTS) - AREA_COUNTS
AREA_TABLE = np.array([a for c in CITIES for a in c.area_codes], dtype=np.int64)
# Mobile numbers keep their original area code when people move: draw from these too.
ALL_AREA_CODES = np.unique(AREA_TABLE)

STREETS: Obj = objects(
    """Main Oak Maple Cedar Elm Washington Lake Hill Park Pine Walnut Woodward Sunset Lincoln
    Jefferson Adams Madison Franklin Highland Church Center Mill River Spring Ridge Meadow
    Forest Chestnut Willow Cherry Birch Hickory Sycamore Orchard Prospect Telegraph
    Greenfield Evergreen Crooks Livernois Dequindre Van_Dyke Gratiot Grand_River Plymouth
    Ford Michigan Warren Jackson Monroe Harrison Cass Fort Division Liberty Academy Orchard_Lake
    Big_Beaver Long_Lake Square_Lake Maple_Leaf Kensington Devonshire Stratford Windsor
    Hampton Lexington Fairway Country_Club Brookside Pinecrest Oakwood Glenwood Lakeview
    Riverside Westfield Greenbriar Chatham Beacon Victoria Rosewood Heather Autumn Shady
    12_Mile 14_Mile 8_Mile Ten_Mile""".replace("_", "~").split()
)
STREETS[:] = [s.replace("~", " ") for s in STREETS]
SUFFIXES: Obj = objects(["St", "Ave", "Rd", "Dr", "Ln", "Ct", "Blvd", "Way", "Pl", "Cir", "Ter"])
SUFFIX_WEIGHTS = np.array([22, 16, 18, 20, 8, 7, 3, 3, 1, 1, 1], dtype=np.float64)
# How clerks spell suffixes out: "Street" vs "St" is classic address noise.
SUFFIX_LONG: dict[str, str] = {
    "St": "Street", "Ave": "Avenue", "Rd": "Road", "Dr": "Drive", "Ln": "Lane", "Ct": "Court",
    "Blvd": "Boulevard", "Way": "Way", "Pl": "Place", "Cir": "Circle", "Ter": "Terrace",
}  # fmt: skip
DIRECTIONS: Obj = objects(["N", "S", "E", "W"])
UNIT_PREFIXES: Obj = objects(["Apt ", "Apt ", "Apt ", "Unit ", "# ", "Ste "])
