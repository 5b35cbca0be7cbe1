"""The allergen taxonomy: canonical names, synonyms, ingredient words and cuisine priors.

Pure data and functions (no I/O): the API validates allergy input with it and the worker's
allergen guard reads menus with it, so both sides agree on one vocabulary.

Canonical allergens cover the US FDA's nine major food allergens (milk, eggs, fish,
crustacean shellfish, tree nuts, peanuts, wheat, soy, sesame) and the EU's fourteen
(Regulation 1169/2011 Annex II: adds gluten-containing cereals, celery, mustard, lupin,
molluscs, sulphites). Wheat and gluten stay separate: a wheat allergy is not coeliac disease,
and barley or rye carry gluten but no wheat.

Choices worth knowing:
* "shellfish" alone means crustacean shellfish, as in US labelling. Molluscs are their own
  allergen (EU): a user allergic to both lists both.
* "nuts" means tree nuts. Peanuts are legumes and always named as such.
* Coconut, nutmeg, water chestnut and buckwheat are not tree nuts / wheat (the FDA dropped
  coconut from its tree-nut list in 2025); the ingredient table says so explicitly, so a
  word match on "nut" or "wheat" inside them never fires.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CANONICAL_ALLERGENS: tuple[str, ...] = (
    "milk",
    "eggs",
    "fish",
    "crustacean shellfish",
    "molluscs",
    "tree nuts",
    "peanuts",
    "wheat",
    "gluten",
    "soy",
    "sesame",
    "celery",
    "mustard",
    "lupin",
    "sulphites",
)
# fmt: off
FDA_MAJOR = ("milk", "eggs", "fish", "crustacean shellfish", "tree nuts", "peanuts", "wheat",
             "soy", "sesame")
EU_ANNEX_II = ("gluten", "crustacean shellfish", "eggs", "fish", "peanuts", "soy", "milk",
               "tree nuts", "celery", "mustard", "sesame", "sulphites", "lupin", "molluscs")
# fmt: on

# Names a person or a label uses for an allergen, canonical included. Keys are in the
# normalized form produced by `_clean` (lower case, single spaces, no punctuation).
_SYNONYMS_BY_ALLERGEN: dict[str, tuple[str, ...]] = {
    "milk": ("milk", "dairy", "dairy products", "milk products", "cow milk", "cows milk",
             "lactose", "casein", "caseinate", "whey", "milk protein"),
    "eggs": ("egg", "eggs", "hen egg", "hens egg", "chicken egg", "egg white", "egg whites",
             "egg yolk", "egg yolks", "albumen", "albumin", "ovalbumin"),
    "fish": ("fish", "finfish", "fin fish", "fishes", "anchovy", "cod", "salmon", "tuna",
             "mackerel", "sardine", "trout", "haddock", "halibut", "tilapia", "bass", "pollock"),
    "crustacean shellfish": ("crustacean shellfish", "crustacean", "crustaceans", "shellfish",
                             "shell fish", "prawn", "shrimp", "crab", "lobster", "crayfish",
                             "crawfish", "langoustine", "scampi", "krill"),
    "molluscs": ("molluscs", "mollusc", "mollusks", "mollusk", "mollusc shellfish", "squid",
                 "calamari", "octopus", "cuttlefish", "clam", "mussel", "oyster", "scallop",
                 "snail", "escargot", "abalone", "whelk", "cockle"),
    "tree nuts": ("tree nuts", "tree nut", "treenuts", "treenut", "nuts", "nut", "almond",
                  "cashew", "walnut", "pecan", "pistachio", "hazelnut", "filbert", "macadamia",
                  "brazil nut", "pine nut", "pinenut", "chestnut", "queensland nut"),
    "peanuts": ("peanuts", "peanut", "groundnut", "ground nut", "groundnuts", "monkey nut",
                "goober", "arachis", "arachis hypogaea", "arachis oil"),
    "wheat": ("wheat", "wheat flour", "durum", "durum wheat", "semolina", "spelt", "kamut",
              "einkorn", "emmer", "farro", "triticale"),
    "gluten": ("gluten", "cereals containing gluten", "coeliac", "celiac", "coeliac disease",
               "celiac disease", "gluten intolerance", "barley", "rye", "malt"),
    "soy": ("soy", "soya", "soja", "soybean", "soybeans", "soya bean", "soya beans", "soy bean",
            "soy beans", "soy protein", "soy lecithin"),
    "sesame": ("sesame", "sesame seed", "sesame seeds", "sesame oil", "tahini", "gingelly",
               "benne seed"),
    "celery": ("celery", "celeriac", "celery seed", "celery salt"),
    "mustard": ("mustard", "mustard seed", "mustard seeds", "mustard greens"),
    "lupin": ("lupin", "lupine", "lupins", "lupines", "lupini", "lupin flour"),
    "sulphites": ("sulphites", "sulphite", "sulfites", "sulfite", "sulphur dioxide",
                  "sulfur dioxide", "so2", "sulphur dioxide and sulphites", "metabisulphite",
                  "metabisulfite"),
}  # fmt: skip

ALLERGEN_SYNONYMS: dict[str, str] = {
    name: canonical for canonical, names in _SYNONYMS_BY_ALLERGEN.items() for name in names
}

_SUFFIXES = (" allergy", " allergies", " allergen", " intolerance", " sensitivity")


def _clean(text: str) -> str:
    text = text.lower().replace("’", "'").replace("'s ", " ").replace("'", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def _singulars(word: str) -> list[str]:
    """Candidate singular forms of the last word of a phrase ("prawns", "anchovies")."""
    out = []
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("oes") or word.endswith("ches") or word.endswith("shes"):
        out.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        out.append(word[:-1])
    return out


def normalize(name: str | None) -> str | None:
    """The canonical allergen a name stands for, or None when the name is not known.

    Case, punctuation, plurals and a trailing "allergy" are ignored: "Prawns",
    "groundnut", "almonds", "Tree-Nut allergy" all resolve.
    """
    if not name or not isinstance(name, str) or len(name) > 200:
        return None
    key = _clean(name)
    if key.startswith("allergic to "):
        key = key[len("allergic to ") :]
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
            break
    if key in ALLERGEN_SYNONYMS:
        return ALLERGEN_SYNONYMS[key]
    head, _, last = key.rpartition(" ")
    for singular in _singulars(last):
        candidate = f"{head} {singular}" if head else singular
        if candidate in ALLERGEN_SYNONYMS:
            return ALLERGEN_SYNONYMS[candidate]
    return None


def normalize_many(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """(canonical names in first-seen order without duplicates, names that were not known)."""
    known: list[str] = []
    unknown: list[str] = []
    for name in names:
        canonical = normalize(name)
        if canonical is None:
            unknown.append(name)
        elif canonical not in known:
            known.append(canonical)
    return known, unknown


# --- ingredients -------------------------------------------------------------------------------

_M, _E, _F, _C, _MO = "milk", "eggs", "fish", "crustacean shellfish", "molluscs"
_T, _P, _W, _G, _S = "tree nuts", "peanuts", "wheat", "gluten", "soy"
_SE, _CE, _MU, _L, _SU = "sesame", "celery", "mustard", "lupin", "sulphites"
_WG = (_W, _G)

# Menu ingredient words and phrases → the allergens they carry. Phrases win over the words
# inside them ("peanut butter" is peanuts, not milk; "coconut milk" is nothing), longest first.
_INGREDIENTS: dict[str, tuple[str, ...]] = {
    # milk
    "milk": (_M,), "butter": (_M,), "cream": (_M,), "cheese": (_M,), "yogurt": (_M,),
    "yoghurt": (_M,), "curd": (_M,), "whey": (_M,), "casein": (_M,), "ghee": (_M,),
    "paneer": (_M,), "mozzarella": (_M,), "parmesan": (_M,), "ricotta": (_M,),
    "mascarpone": (_M,), "feta": (_M,), "cheddar": (_M,), "gouda": (_M,), "brie": (_M,),
    "halloumi": (_M,), "buttermilk": (_M,), "kefir": (_M,), "lassi": (_M,), "raita": (_M,),
    "khoya": (_M,), "queso": (_M,), "crema": (_M,), "bechamel": (_M, _W, _G),
    "alfredo": (_M,), "tzatziki": (_M,), "labneh": (_M,), "gelato": (_M,), "lactose": (_M,),
    "ice cream": (_M, _E), "custard": (_M, _E), "creme fraiche": (_M,), "sour cream": (_M,),
    # eggs
    "egg": (_E,), "mayonnaise": (_E,), "mayo": (_E,), "aioli": (_E,), "meringue": (_E,),
    "hollandaise": (_E, _M), "albumen": (_E,), "frittata": (_E,), "omelette": (_E,),
    "omelet": (_E,), "quiche": (_E, _M, _W, _G), "carbonara": (_E, _M, _W, _G),
    "tempura": (_W, _G, _E), "brioche": (_W, _G, _E, _M),
    # fish
    "fish": (_F,), "anchovy": (_F,), "salmon": (_F,), "tuna": (_F,), "cod": (_F,),
    "tilapia": (_F,), "mackerel": (_F,), "sardine": (_F,), "trout": (_F,), "halibut": (_F,),
    "haddock": (_F,), "snapper": (_F,), "catfish": (_F,), "bonito": (_F,), "dashi": (_F,),
    "katsuobushi": (_F,), "caviar": (_F,), "roe": (_F,), "pollock": (_F,), "swordfish": (_F,),
    "eel": (_F,), "unagi": (_F,), "sashimi": (_F,), "surimi": (_F, _C), "fish sauce": (_F,),
    "nam pla": (_F,), "worcestershire": (_F,), "bass": (_F,), "herring": (_F,),
    # crustacean shellfish
    "shrimp": (_C,), "prawn": (_C,), "crab": (_C,), "lobster": (_C,), "crayfish": (_C,),
    "crawfish": (_C,), "langoustine": (_C,), "scampi": (_C,), "krill": (_C,),
    "shrimp paste": (_C,), "belacan": (_C,), "shellfish": (_C,),
    # molluscs
    "squid": (_MO,), "calamari": (_MO,), "octopus": (_MO,), "clam": (_MO,), "mussel": (_MO,),
    "oyster": (_MO,), "scallop": (_MO,), "snail": (_MO,), "escargot": (_MO,),
    "abalone": (_MO,), "cuttlefish": (_MO,), "oyster sauce": (_MO, _S, _W, _G),
    "oyster mushroom": (),
    # tree nuts
    "almond": (_T,), "cashew": (_T,), "walnut": (_T,), "pecan": (_T,), "pistachio": (_T,),
    "hazelnut": (_T,), "macadamia": (_T,), "brazil nut": (_T,), "pine nut": (_T,),
    "chestnut": (_T,), "praline": (_T,), "marzipan": (_T,), "frangipane": (_T,),
    "nougat": (_T,), "gianduja": (_T, _M), "nut": (_T,), "pesto": (_T, _M),
    "almond milk": (_T,), "almond butter": (_T,), "cashew butter": (_T,),
    "water chestnut": (), "coconut": (), "nutmeg": (), "butternut": (),
    "doughnut": (_W, _G, _E, _M), "donut": (_W, _G, _E, _M),
    # peanuts
    "peanut": (_P,), "groundnut": (_P,), "peanut butter": (_P,), "peanut oil": (_P,),
    "satay": (_P,), "arachis": (_P,),
    # wheat and gluten
    "wheat": _WG, "flour": _WG, "bread": _WG, "breadcrumb": _WG, "panko": _WG, "pasta": _WG,
    "spaghetti": _WG, "noodle": _WG, "naan": _WG, "roti": _WG, "chapati": _WG,
    "paratha": _WG, "pita": _WG, "tortilla": _WG, "couscous": _WG, "bulgur": _WG,
    "semolina": _WG, "seitan": _WG, "udon": _WG, "soba": _WG, "ramen": _WG, "dumpling": _WG,
    "crouton": _WG, "pastry": _WG, "croissant": _WG, "cake": _WG + (_E, _M), "bun": _WG,
    "biscuit": _WG, "cracker": _WG, "pizza": _WG + (_M,), "lasagna": _WG + (_M,),
    "batter": _WG, "spelt": _WG, "durum": _WG, "farro": _WG, "bagel": _WG,
    "barley": (_G,), "rye": (_G,), "malt": (_G,), "beer": (_G,), "oat": (_G,),
    "rice noodle": (), "rice flour": (), "corn flour": (), "cornflour": (), "corn tortilla": (),
    "chickpea flour": (), "gram flour": (), "besan": (), "buckwheat": (), "rice paper": (),
    "gluten free": (), "teff": (),
    # soy
    "soy": (_S,), "soya": (_S,), "soybean": (_S,), "tofu": (_S,), "tempeh": (_S,),
    "edamame": (_S,), "miso": (_S,), "natto": (_S,), "tamari": (_S,),
    "soy sauce": (_S, _W, _G), "teriyaki": (_S, _W, _G), "hoisin": (_S, _W, _G),
    "soy milk": (_S,),
    # sesame
    "sesame": (_SE,), "tahini": (_SE,), "hummus": (_SE,), "houmous": (_SE,),
    "gomasio": (_SE,), "zaatar": (_SE,), "baba ganoush": (_SE,), "halva": (_SE,),
    # celery, mustard, lupin, sulphites
    "celery": (_CE,), "celeriac": (_CE,), "celery salt": (_CE,),
    "mustard": (_MU,), "dijon": (_MU,), "mustard seed": (_MU,),
    "lupin": (_L,), "lupini": (_L,), "lupine": (_L,),
    "wine": (_SU,), "sulphite": (_SU,), "sulfite": (_SU,), "dried apricot": (_SU,),
    # milks and butters that are not dairy
    "coconut milk": (), "oat milk": (_G,), "rice milk": (), "cocoa butter": (),
    "shea butter": (), "apple butter": (), "peanut butter cup": (_P, _M), "cream of tartar": (),
    "cream soda": (), "egg plant": (), "eggplant": (), "fish mint": (),
}  # fmt: skip

_MAX_PHRASE = max(len(k.split()) for k in _INGREDIENTS)


def _lookup(words: tuple[str, ...]) -> tuple[str, ...] | None:
    phrase = " ".join(words)
    if phrase in _INGREDIENTS:
        return _INGREDIENTS[phrase]
    head = " ".join(words[:-1])
    for singular in _singulars(words[-1]):
        candidate = f"{head} {singular}" if head else singular
        if candidate in _INGREDIENTS:
            return _INGREDIENTS[candidate]
    return None


def ingredient_allergens(text: str | None) -> set[str]:
    """Allergens an ingredient (or any free text: a dish name, a description) carries.

    Scans words left to right, trying the longest known phrase first, so "peanut butter"
    reads as peanuts and "coconut milk" as nothing.
    """
    if not text:
        return set()
    words = _clean(str(text)[:5000]).split()
    found: set[str] = set()
    i = 0
    while i < len(words):
        for size in range(min(_MAX_PHRASE, len(words) - i), 0, -1):
            hit = _lookup(tuple(words[i : i + size]))
            if hit is not None:
                found.update(hit)
                i += size
                break
        else:
            i += 1
    return found


def allergens_in(ingredients: Iterable[str]) -> set[str]:
    """Allergens carried by a list of ingredients."""
    found: set[str] = set()
    for item in ingredients:
        found |= ingredient_allergens(item)
    return found


# --- cuisine priors ------------------------------------------------------------------------------

# How likely a dish of a cuisine is to contain an allergen when nothing else is known,
# 0..1. Judgement, not measurement: they only rank unknowns and raise warnings; a declared
# allergen or an ingredient match always outranks a prior.
_PRIOR_DATA: dict[str, dict[str, float]] = {
    "thai": {_F: 0.8, _P: 0.6, _C: 0.6, _S: 0.5, _T: 0.2},
    "vietnamese": {_F: 0.8, _P: 0.5, _C: 0.5, _S: 0.4},
    "japanese": {_F: 0.8, _S: 0.9, _W: 0.6, _G: 0.6, _SE: 0.5, _C: 0.4, _MO: 0.3, _E: 0.3},
    "sushi": {_F: 0.95, _S: 0.9, _C: 0.5, _SE: 0.5, _MO: 0.4, _W: 0.4, _G: 0.4, _E: 0.3},
    "chinese": {_S: 0.9, _W: 0.7, _G: 0.7, _SE: 0.5, _E: 0.5, _P: 0.4, _C: 0.4, _MO: 0.4,
                _F: 0.3},
    "dim sum": {_W: 0.9, _G: 0.9, _S: 0.8, _C: 0.6, _SE: 0.4, _E: 0.4},
    "korean": {_S: 0.9, _SE: 0.8, _W: 0.6, _G: 0.6, _F: 0.5, _C: 0.3},
    "mongolian": {_S: 0.7, _W: 0.5, _G: 0.5, _SE: 0.4},
    "malaysian": {_P: 0.7, _C: 0.6, _F: 0.5, _S: 0.5},
    "indonesian": {_P: 0.7, _C: 0.5, _F: 0.5, _S: 0.6},
    "asian": {_S: 0.7, _F: 0.4, _P: 0.3, _SE: 0.4, _W: 0.4, _G: 0.4},
    "southeast asian": {_F: 0.7, _P: 0.5, _C: 0.5, _S: 0.5},
    "indian": {_M: 0.8, _T: 0.6, _W: 0.6, _G: 0.6, _MU: 0.5, _P: 0.3},
    "indian pakistani": {_M: 0.8, _T: 0.6, _W: 0.6, _G: 0.6, _MU: 0.5, _P: 0.3},
    "italian": {_W: 0.8, _G: 0.8, _M: 0.8, _E: 0.6, _T: 0.3, _F: 0.2},
    "pizzeria": {_W: 0.95, _G: 0.95, _M: 0.9},
    "mexican": {_M: 0.6, _W: 0.4, _G: 0.4},
    "tex mex": {_M: 0.7, _W: 0.5, _G: 0.5},
    "latin american": {_M: 0.5, _W: 0.4, _G: 0.4, _E: 0.3},
    "french": {_M: 0.9, _E: 0.7, _W: 0.7, _G: 0.7, _MU: 0.4, _SU: 0.4, _CE: 0.3},
    "mediterranean": {_SE: 0.5, _W: 0.5, _G: 0.5, _M: 0.5, _F: 0.4, _T: 0.3},
    "greek": {_M: 0.7, _W: 0.6, _G: 0.6, _SE: 0.4, _F: 0.3},
    "turkish": {_M: 0.6, _W: 0.7, _G: 0.7, _SE: 0.5, _T: 0.5},
    "lebanese": {_SE: 0.7, _W: 0.6, _G: 0.6, _M: 0.5, _T: 0.4},
    "middle eastern": {_SE: 0.7, _W: 0.6, _G: 0.6, _M: 0.5, _T: 0.5},
    "persian": {_T: 0.6, _M: 0.6, _W: 0.5, _G: 0.5, _SE: 0.3},
    "afghan": {_M: 0.6, _W: 0.6, _G: 0.6, _T: 0.5},
    "armenian": {_W: 0.6, _G: 0.6, _M: 0.6, _T: 0.4, _SE: 0.4},
    "spanish": {_F: 0.5, _C: 0.5, _MO: 0.5, _M: 0.4, _E: 0.4, _T: 0.3, _SU: 0.3},
    "tapas": {_F: 0.5, _C: 0.5, _MO: 0.5, _M: 0.4, _E: 0.4, _T: 0.3, _SU: 0.3},
    "seafood": {_F: 0.95, _C: 0.8, _MO: 0.7},
    "bakery": {_W: 0.95, _G: 0.95, _E: 0.8, _M: 0.8, _T: 0.4, _SE: 0.3, _S: 0.3},
    "bagels": {_W: 0.95, _G: 0.95, _SE: 0.6, _M: 0.4},
    "dessert": {_M: 0.9, _E: 0.7, _W: 0.6, _G: 0.6, _T: 0.5, _P: 0.3},
    "ice cream": {_M: 0.95, _E: 0.5, _T: 0.4, _P: 0.3},
    "cafe": {_M: 0.8, _W: 0.6, _G: 0.6, _E: 0.5, _T: 0.3},
    "coffee shop": {_M: 0.8, _W: 0.5, _G: 0.5, _E: 0.3},
    "breakfast": {_E: 0.9, _M: 0.8, _W: 0.7, _G: 0.7},
    "brunch": {_E: 0.9, _M: 0.8, _W: 0.7, _G: 0.7},
    "burgers": {_W: 0.9, _G: 0.9, _M: 0.6, _SE: 0.6, _E: 0.4, _MU: 0.4, _S: 0.3},
    "hot dogs": {_W: 0.8, _G: 0.8, _MU: 0.7},
    "american": {_W: 0.6, _G: 0.6, _M: 0.6, _E: 0.5},
    "fast food": {_W: 0.8, _G: 0.8, _M: 0.6, _E: 0.4, _S: 0.4},
    "deli": {_W: 0.9, _G: 0.9, _M: 0.6, _MU: 0.6, _E: 0.4},
    "sandwiches": {_W: 0.9, _G: 0.9, _M: 0.6, _MU: 0.5, _E: 0.4},
    "diner": {_W: 0.7, _G: 0.7, _M: 0.7, _E: 0.7},
    "german": {_W: 0.7, _G: 0.7, _M: 0.6, _MU: 0.6, _CE: 0.4, _E: 0.4},
    "polish": {_W: 0.7, _G: 0.7, _M: 0.6, _E: 0.5, _CE: 0.3},
    "eastern european": {_W: 0.7, _G: 0.7, _M: 0.6, _E: 0.5, _CE: 0.3, _MU: 0.3},
    "dutch belgian": {_M: 0.6, _W: 0.6, _G: 0.6, _E: 0.4, _MU: 0.3},
    "continental european": {_M: 0.6, _W: 0.6, _G: 0.6, _E: 0.5, _CE: 0.3},
    "ethiopian": {_G: 0.4, _W: 0.3},
    "african": {_P: 0.4, _W: 0.3, _G: 0.3},
    "caribbean": {_F: 0.4, _C: 0.3, _P: 0.2},
    "brazilian": {_M: 0.4, _T: 0.2},
    "barbecue": {_MU: 0.4, _W: 0.4, _G: 0.4, _S: 0.3, _CE: 0.2},
    "steaks": {_M: 0.4, _W: 0.3, _G: 0.3},
    "bar": {_G: 0.6, _W: 0.5, _SU: 0.5},
    "pub": {_G: 0.6, _W: 0.6, _SU: 0.5, _M: 0.4},
    "brewery": {_G: 0.8, _W: 0.5},
    "vegetarian": {_S: 0.5, _M: 0.5, _T: 0.4, _W: 0.5, _G: 0.5},
    "vegan": {_S: 0.6, _T: 0.5, _W: 0.5, _G: 0.5, _SE: 0.3},
    "organic healthy": {_T: 0.5, _S: 0.4, _SE: 0.3},
    "soup": {_CE: 0.6, _W: 0.4, _G: 0.4, _M: 0.4},
    "southern": {_W: 0.6, _G: 0.6, _M: 0.6, _E: 0.4},
    "southwestern": {_M: 0.5, _W: 0.3, _G: 0.3},
    "california": {_F: 0.4, _SE: 0.3, _S: 0.3},
    "contemporary": {_M: 0.5, _W: 0.5, _G: 0.5, _E: 0.4},
    "international": {_M: 0.5, _W: 0.5, _G: 0.5, _E: 0.4},
    "fine dining": {_M: 0.6, _W: 0.5, _G: 0.5, _E: 0.5, _F: 0.4, _C: 0.3, _SU: 0.3},
    "family": {_M: 0.5, _W: 0.5, _G: 0.5, _E: 0.4},
    "regional": {_M: 0.4, _W: 0.4, _G: 0.4},
}  # fmt: skip


def normalize_cuisine(name: str | None) -> str:
    """ "Dessert-Ice_Cream" → "dessert ice cream", "Latin_American" → "latin american"."""
    return _clean(str(name or "").replace("_", " ").replace("-", " "))


def _prior_keys(cuisine: str) -> list[str]:
    full = normalize_cuisine(cuisine)
    if full in _PRIOR_DATA:
        return [full]
    # UCI joins related cuisines: "Bar_Pub_Brewery", "Cafe-Coffee_Shop", "Breakfast-Brunch".
    parts = [normalize_cuisine(p) for p in re.split(r"-", str(cuisine or ""))]
    keys = [p for p in parts if p in _PRIOR_DATA]
    if not keys:
        keys = [w for w in full.split() if w in _PRIOR_DATA]
    return keys


def cuisine_priors(cuisines: Iterable[str]) -> dict[str, float]:
    """Allergen → prior probability (0..1) for a restaurant serving these cuisines (the
    highest prior over its cuisines)."""
    priors: dict[str, float] = {}
    for cuisine in cuisines or ():
        for key in _prior_keys(cuisine):
            for allergen, p in _PRIOR_DATA[key].items():
                priors[allergen] = max(priors.get(allergen, 0.0), p)
    return priors


def confidence_label(p: float) -> str:
    """Words for a probability, as the seed's ``allergen_confidence`` uses them."""
    if p >= 0.7:
        return "high"
    if p >= 0.4:
        return "medium"
    return "low"
