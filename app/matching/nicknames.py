"""Given names and the nicknames people go by, for name comparison ("Bob" = "Robert").

``canonical(name)`` maps a lower-case given name to one representative of its group, so
two names are nickname-equivalent when their canonical forms are equal. A nickname shared
by several names (Chris, Alex, Sam...) stays its own group and is linked to each formal
name through ``equivalent``.
"""

from __future__ import annotations

# formal name -> nicknames (lower case, ASCII). Over 60 groups of real-world usage.
GROUPS: dict[str, tuple[str, ...]] = {
    "robert": ("bob", "rob", "bobby", "robbie", "bert"),
    "william": ("bill", "will", "billy", "willie", "liam"),
    "elizabeth": ("liz", "beth", "betty", "lizzie", "eliza", "betsy", "libby"),
    "michael": ("mike", "mikey", "mick"),
    "james": ("jim", "jimmy", "jamie"),
    "katherine": ("kate", "kathy", "katie", "kat", "kay"),
    "catherine": ("cathy", "cat", "cate"),
    "kathleen": ("kathy",),
    "kathryn": ("kathy", "katie"),
    "anthony": ("tony",),
    "richard": ("dick", "rick", "rich", "ricky", "richie"),
    "margaret": ("peggy", "maggie", "meg", "marge", "margie", "greta"),
    "charles": ("chuck", "charlie", "chas"),
    "jennifer": ("jen", "jenny", "jenn"),
    "christopher": ("chris", "topher", "kit"),
    "christine": ("chris", "chrissy", "christy"),
    "christina": ("tina", "chris"),
    "alexander": ("alex", "al", "xander", "sasha"),
    "alexandra": ("alex", "lexi", "sandra", "sasha"),
    "samuel": ("sam", "sammy"),
    "samantha": ("sam", "sammy"),
    "thomas": ("tom", "tommy"),
    "daniel": ("dan", "danny"),
    "danielle": ("dani",),
    "joseph": ("joe", "joey"),
    "josephine": ("jo", "josie"),
    "steven": ("steve", "stevie"),
    "stephen": ("steve", "stevie"),
    "matthew": ("matt", "matty"),
    "andrew": ("andy", "drew"),
    "benjamin": ("ben", "benny", "benji"),
    "edward": ("ed", "eddie", "ted", "ned"),
    "timothy": ("tim", "timmy"),
    "kenneth": ("ken", "kenny"),
    "ronald": ("ron", "ronnie"),
    "donald": ("don", "donnie"),
    "gerald": ("jerry",),
    "gregory": ("greg",),
    "jeffrey": ("jeff",),
    "jonathan": ("jon", "jonny"),
    "john": ("jack", "johnny"),
    "joshua": ("josh",),
    "nicholas": ("nick", "nicky"),
    "patrick": ("pat", "paddy"),
    "patricia": ("pat", "patty", "trish", "tricia"),
    "peter": ("pete",),
    "raymond": ("ray",),
    "lawrence": ("larry",),
    "douglas": ("doug",),
    "zachary": ("zach", "zack"),
    "nathan": ("nate",),
    "nathaniel": ("nate", "nat"),
    "harold": ("hal", "harry"),
    "henry": ("hank", "harry"),
    "walter": ("walt",),
    "albert": ("al", "bert"),
    "frederick": ("fred", "freddie"),
    "eugene": ("gene",),
    "vincent": ("vince", "vinny"),
    "phillip": ("phil",),
    "philip": ("phil",),
    "leonard": ("leo", "lenny"),
    "francis": ("frank",),
    "franklin": ("frank",),
    "frances": ("fran", "frannie"),
    "susan": ("sue", "susie"),
    "deborah": ("deb", "debbie"),
    "debra": ("deb", "debbie"),
    "barbara": ("barb", "barbie"),
    "rebecca": ("becky", "becca"),
    "victoria": ("vicky", "tori"),
    "pamela": ("pam",),
    "cynthia": ("cindy",),
    "dorothy": ("dot", "dottie"),
    "judith": ("judy",),
    "theresa": ("terry", "tess"),
    "teresa": ("terry", "tess"),
    "abigail": ("abby",),
    "jessica": ("jess", "jessie"),
    "melissa": ("missy", "mel"),
    "kimberly": ("kim",),
    "ashley": ("ash",),
    "amanda": ("mandy",),
    "cassandra": ("cassie",),
    "gabriel": ("gabe",),
    "gabriela": ("gabby",),
    "gabrielle": ("gabby",),
    "isabella": ("bella", "izzy"),
    "madeline": ("maddie",),
    "olivia": ("liv",),
    "valerie": ("val",),
    "sandra": ("sandy",),
    "terrence": ("terry",),
    "lucas": ("luke",),
    "jacob": ("jake",),
    "maximilian": ("max",),
    "manuel": ("manny",),
    "jose": ("pepe",),
    "francisco": ("paco", "pancho"),
    "guillermo": ("memo",),
    "alejandro": ("alex",),
    "roberto": ("beto",),
    "alberto": ("beto",),
    "eduardo": ("lalo",),
}

# More everyday forms, English and Spanish (hypocorisms such as Lupe, Chuy, Lalo), added
# to the groups above.
MORE: dict[str, tuple[str, ...]] = {
    "catherine": ("kate", "katie"),
    "kathleen": ("kate", "katie"),
    "arthur": ("art", "artie"),
    "russell": ("russ", "rusty"),
    "dennis": ("denny",),
    "jacqueline": ("jackie", "jacqui"),
    "stephanie": ("steph", "stephie"),
    "virginia": ("ginny", "ginger"),
    "beverly": ("bev",),
    "natalie": ("nat",),
    "madison": ("maddie", "maddy"),
    "nicole": ("nikki", "nicky"),
    "francisco": ("frank", "cisco"),
    "jose": ("joe",),
    "guadalupe": ("lupe", "lupita"),
    "jesus": ("chuy",),
    "eduardo": ("eddie", "ed"),
    "ricardo": ("rick", "ricky"),
    "antonio": ("tony",),
    "enrique": ("kike", "henry"),
    "ignacio": ("nacho",),
    "fernando": ("nando",),
    "theodore": ("ted", "teddy", "theo"),
    "david": ("dave", "davey"),
}
GROUPS = {k: tuple(dict.fromkeys(GROUPS.get(k, ()) + MORE.get(k, ()))) for k in GROUPS | MORE}


def _build() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    canon: dict[str, str] = {}
    equiv: dict[str, set[str]] = {}
    for formal, nicks in GROUPS.items():
        canon.setdefault(formal, formal)
        for nick in nicks:
            equiv.setdefault(nick, {nick}).add(formal)
            equiv.setdefault(formal, {formal}).add(nick)
    # A nickname that belongs to exactly one formal name takes that name as canonical.
    for name, group in equiv.items():
        formals = {g for g in group if g in GROUPS}
        if name not in GROUPS and len(formals) == 1:
            canon[name] = next(iter(formals))
    return canon, {k: frozenset(v) for k, v in equiv.items()}


CANONICAL, EQUIVALENT = _build()


def canonical(name: str) -> str:
    """The group representative of a lower-case given name (itself when unknown)."""
    return CANONICAL.get(name, name)


def equivalent(a: str, b: str) -> bool:
    """True when two lower-case given names are the same name or nickname and name."""
    if not a or not b:
        return False
    if a == b or canonical(a) == canonical(b):
        return True
    return b in EQUIVALENT.get(a, ()) or a in EQUIVALENT.get(b, ())


def pair_count() -> int:
    """How many (formal, nickname) pairs the table knows."""
    return sum(len(v) for v in GROUPS.values())
