"""Names for Northbridge's synthetic people: the city's communities, their naming conventions, how records garble them.

Pools are listed most common first and weighted by a Zipf-like law (weight of rank r is 1 / (r + offset)), so a
few names are very common and a long tail is rare. That matters downstream: record linkage must learn that a
shared "Smith" or "Mohamed" proves far less than a shared "Kelworth". Conventions (second given names, Sikh
Kaur/Singh, Somali patronymics, Polish -ski/-ska, Al-/El- prefixes, double-barrelled surnames) are data, drawn
against as probabilities. Every draw bisects precomputed cumulative weights, so a million people take seconds.

Every name is an ordinary one in its community, and nothing here describes a real person: distinctive surnames of
well-known people are left out of the pools so that common first names cannot rebuild them.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from types import MappingProxyType
from typing import Literal

Sex = Literal["female", "male"]

OLDER_GENERATION_BEFORE = 1995
"""People born before this year draw from a community's older pools where it has them (Tracey, not Poppy)."""

COMPOUND_SURNAME_RATE_MIXED = 0.15
"""Share of mixed-heritage couples whose children get both parents' surnames, as in "Okafor-Reid"."""

SAME_INITIAL_RATE = 0.5
"""How often `similar_given_name` keeps the first name's initial (Amara and Amelia; Tyler and Tommy)."""


class NamePool:
    """Names with precomputed cumulative weights: one draw is a single bisection, whatever the pool's size."""

    __slots__ = ("_by_initial", "_cum", "_last", "_total", "names")

    def __init__(self, names: Sequence[str], weights: Sequence[float]) -> None:
        if not names or len(names) != len(weights):
            raise ValueError("a name pool needs one positive weight per name")
        if len(set(names)) != len(names):
            duplicates = sorted({name for name in names if names.count(name) > 1})
            raise ValueError(f"duplicate names in pool: {duplicates}")
        self.names: tuple[str, ...] = tuple(names)
        self._cum = tuple(accumulate(weights))
        self._total = self._cum[-1]
        self._last = len(self.names) - 1
        self._by_initial: dict[str, NamePool | None] = {}

    @classmethod
    def zipf(cls, names: Iterable[str], offset: float = 4.0, exponent: float = 1.0) -> NamePool:
        """Names listed most common first; a larger `offset` flattens the head (given names vary more than surnames)."""
        listed = tuple(names)
        return cls(listed, [1.0 / (rank + offset) ** exponent for rank in range(len(listed))])

    def pick(self, rng: random.Random) -> str:
        return self.names[bisect_right(self._cum, rng.random() * self._total, 0, self._last)]

    def probability(self, name: str) -> float:
        """The chance one draw gives `name` (0 if the pool cannot give it)."""
        try:
            index = self.names.index(name)
        except ValueError:
            return 0.0
        return (self._cum[index] - (self._cum[index - 1] if index else 0.0)) / self._total

    def with_initial(self, initial: str) -> NamePool | None:
        """The names starting with `initial`, keeping their relative weights (cached)."""
        key = initial[:1].upper()
        if key not in self._by_initial:
            picked = [(name, self.probability(name)) for name in self.names if name[:1].upper() == key]
            self._by_initial[key] = NamePool([n for n, _ in picked], [w for _, w in picked]) if picked else None
        return self._by_initial[key]

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return f"NamePool({len(self.names)} names, most common {self.names[0]!r})"


@dataclass(frozen=True)
class Conventions:
    """How a community puts names together, as probabilities and small tables the generator draws against."""

    second_given: float = 0.5
    """P(at least two given names)."""
    third_given: float = 0.05
    """P(a third given name | two)."""
    double_surname: float = 0.0
    """P(a founder's surname is two of the community's surnames joined, as in "Smith-Jones" or "Costa Martins")."""
    surname_joiner: str = "-"
    surname_prefixes: tuple[str, ...] = ()
    """Particles some surnames carry ("Al-", "El-"), most common first."""
    prefix_prob: float = 0.0
    feminine_endings: tuple[tuple[str, str], ...] = ()
    """(masculine, feminine) surname endings: Kowalski for a man is Kowalska for a woman."""
    patronymic: float = 0.0
    """P(a child's surname is the father's first given name, as in many Somali families)."""
    patronymic_middle: bool = False
    """Middle names are fathers' names, so are drawn from the male pool whatever the person's sex."""
    sex_markers: tuple[str, str] | None = None
    """(female, male) names carried by everyone: Sikh Kaur and Singh."""
    marker_middle: float = 0.0
    """P(the marker is recorded as a middle name)."""
    marker_surname: float = 0.0
    """P(the marker is recorded as the surname)."""
    female_surnames: tuple[str, ...] = ()
    """Surnames women carry instead of the family's (Begum, Khatun, Bibi), most common first."""
    female_surname_prob: float = 0.0
    child_female_surname_prob: float = 0.0
    """The same for daughters born in the UK, where it is much rarer."""
    fresh_child_surname: float = 0.0
    """P(a child's surname is not a parent's at all, as in some Bangladeshi families)."""
    leading_male_name: str = ""
    """A name many men carry before the name they go by ("Muhammad Imran ...")."""
    leading_male_prob: float = 0.0
    family_name_first: float = 0.0
    """P(some agency records the family name first, so given and family name end up swapped)."""
    outpartnering: float = 0.1
    """P(a partner comes from another community)."""


@dataclass(frozen=True, eq=False)
class Community:
    """One naming tradition in Northbridge, with its share of the population, its pools and its conventions."""

    key: str
    label: str
    share: float
    female: NamePool
    male: NamePool
    surnames: NamePool
    conventions: Conventions
    older_female: NamePool | None = None
    older_male: NamePool | None = None
    female_surname_pool: NamePool | None = None
    prefix_pool: NamePool | None = None

    def given_pool(self, sex: Sex, born_year: int | None = None) -> NamePool:
        """The pool first given names come from: the older one for people born before 1995, where there is one."""
        if born_year is not None and born_year < OLDER_GENERATION_BEFORE:
            older = self.older_female if sex == "female" else self.older_male
            if older is not None:
                return older
        return self.female if sex == "female" else self.male

    def given_name(self, rng: random.Random, sex: Sex, born_year: int | None = None) -> str:
        """One given name, as a first name."""
        return self.given_pool(sex, born_year).pick(rng)

    def given_names(self, rng: random.Random, sex: Sex, born_year: int | None = None) -> tuple[str, ...]:
        """One to three given names, first name first, following the community's conventions."""
        conv = self.conventions
        pool = self.given_pool(sex, born_year)
        marker = ""
        if conv.sex_markers is not None and rng.random() < conv.marker_middle:
            marker = conv.sex_markers[0] if sex == "female" else conv.sex_markers[1]
        room = 2 if marker else 3
        names = [pool.pick(rng)]
        lead = conv.leading_male_name
        if lead and sex == "male" and names[0] != lead and rng.random() < conv.leading_male_prob:
            names.insert(0, lead)
        if len(names) < room and rng.random() < conv.second_given:
            middles = self.male if conv.patronymic_middle else pool
            _add_distinct(names, middles, rng)
            if len(names) < room and rng.random() < conv.third_given:
                _add_distinct(names, middles, rng)
        if marker:
            names.append(marker)
        return tuple(names)

    def surname(self, rng: random.Random, sex: Sex) -> str:
        """A surname for someone whose family the generator has not met yet, in the form for their sex."""
        conv = self.conventions
        if sex == "female" and self.female_surname_pool is not None and rng.random() < conv.female_surname_prob:
            return self.female_surname_pool.pick(rng)
        if conv.sex_markers is not None and rng.random() < conv.marker_surname:
            return conv.sex_markers[0] if sex == "female" else conv.sex_markers[1]
        name = self.surnames.pick(rng)
        if self.prefix_pool is not None and rng.random() < conv.prefix_prob:
            name = self.prefix_pool.pick(rng) + name
        if conv.double_surname and rng.random() < conv.double_surname:
            other = self.surnames.pick(rng)
            if other != name:
                name = f"{name}{conv.surname_joiner}{other}"
        return self.surname_for_sex(name, sex) if conv.feminine_endings else name

    def full_name(self, rng: random.Random, sex: Sex, born_year: int | None = None) -> tuple[tuple[str, ...], str]:
        """Given names and surname drawn together, so a Sikh marker is never both middle name and surname."""
        given = self.given_names(rng, sex, born_year)
        family = self.surname(rng, sex)
        markers = self.conventions.sex_markers
        if markers is not None and family in markers and given[-1] in markers:
            family = self.surnames.pick(rng)
        return given, family

    def surname_for_sex(self, surname: str, sex: Sex) -> str:
        """The form of a family surname for a man or a woman (Kowalski/Kowalska); unchanged where it has one form."""
        endings = self.conventions.feminine_endings
        if not endings:
            return surname
        parts = surname.split("-")
        for index, part in enumerate(parts):
            for masculine, feminine in endings:
                old, new = (masculine, feminine) if sex == "female" else (feminine, masculine)
                if part.endswith(old):
                    parts[index] = part[: -len(old)] + new
                    break
        return "-".join(parts)

    def child_surname(self, rng: random.Random, family_surname: str, sex: Sex, father_given: str | None = None) -> str:
        """The surname a child of this community is registered under, given the family's and the father's name.

        Usually the family surname in the child's form; but a Somali child often takes the father's first given
        name, a Sikh daughter of "Singh" is "Kaur", and some Bangladeshi children get a surname of their own.
        """
        conv = self.conventions
        if father_given and conv.patronymic and rng.random() < conv.patronymic:
            return father_given
        if conv.sex_markers is not None and family_surname in conv.sex_markers:
            return conv.sex_markers[0] if sex == "female" else conv.sex_markers[1]
        if sex == "female" and self.female_surname_pool is not None:
            if rng.random() < conv.child_female_surname_prob:
                return self.female_surname_pool.pick(rng)
            if family_surname in self.female_surname_pool:
                return self.surnames.pick(rng)
        if conv.fresh_child_surname and rng.random() < conv.fresh_child_surname:
            return self.surnames.pick(rng)
        return self.surname_for_sex(family_surname, sex)


def _add_distinct(names: list[str], pool: NamePool, rng: random.Random) -> None:
    """Append a name not already in `names` (a few tries; gives up quietly on tiny pools)."""
    for _ in range(4):
        name = pool.pick(rng)
        if name not in names:
            names.append(name)
            return


# --- The communities ------------------------------------------------------------------------------------------
# Shares are percentages of Northbridge's population, roughly those of a large English city. Mixed-heritage
# families are not a pool of their own: they come from `partner_community` and `mixed_given_names`.

_WB_FEMALE = (
    "Olivia", "Amelia", "Isla", "Ava", "Lily", "Freya", "Mia", "Grace", "Sophia", "Ivy", "Emily", "Poppy",
    "Isabella", "Ella", "Evie", "Florence", "Willow", "Charlotte", "Rosie", "Sophie", "Daisy", "Elsie", "Evelyn",
    "Chloe", "Jessica", "Ruby", "Millie", "Phoebe", "Matilda", "Alice", "Sienna", "Harper", "Maisie", "Ellie",
    "Lucy", "Erin", "Holly", "Megan", "Hannah", "Scarlett", "Imogen", "Esme", "Bethany", "Leah", "Paige", "Amber",
    "Eleanor", "Harriet", "Abigail", "Katie", "Summer", "Lacey", "Lauren", "Zoe", "Keira", "Courtney", "Jade",
    "Georgia", "Emma", "Elizabeth", "Katherine", "Rebecca", "Amy", "Aria", "Thea", "Darcie", "Beatrice", "Edith",
    "Mabel", "Ada", "Robyn", "Lola", "Hallie", "Maya", "Victoria", "Eliza", "Nancy", "Violet", "Penelope",
)  # fmt: skip
_WB_OLDER_FEMALE = (
    "Sarah", "Claire", "Emma", "Nicola", "Lisa", "Rachel", "Laura", "Joanne", "Michelle", "Kelly", "Gemma",
    "Louise", "Helen", "Rebecca", "Victoria", "Amanda", "Karen", "Julie", "Tracey", "Donna", "Samantha", "Natalie",
    "Kirsty", "Stacey", "Leanne", "Danielle", "Hayley", "Katherine", "Elizabeth", "Jennifer", "Susan", "Deborah",
    "Alison", "Angela", "Dawn", "Jacqueline", "Wendy", "Sharon", "Caroline", "Amy", "Charlotte", "Lucy", "Sophie",
    "Hannah", "Jessica", "Zoe", "Jade", "Stephanie", "Kerry", "Lindsay", "Andrea", "Paula", "Lorraine", "Melanie",
    "Sally", "Joanna", "Margaret", "Patricia", "Christine", "Janet", "Sian", "Lynne", "Carol", "Heather", "Fiona",
    "Abigail", "Megan", "Kimberley", "Charlene", "Chelsea", "Jodie", "Naomi", "Ruth", "Anne", "Chloe",
)  # fmt: skip
_WB_MALE = (
    "Noah", "Oliver", "George", "Arthur", "Leo", "Harry", "Oscar", "Archie", "Henry", "Theodore", "Freddie", "Jack",
    "Charlie", "Thomas", "Jacob", "Alfie", "Finley", "Theo", "William", "James", "Joshua", "Lucas", "Ethan", "Max",
    "Isaac", "Mason", "Samuel", "Edward", "Alexander", "Daniel", "Harrison", "Logan", "Reuben", "Tommy", "Albert",
    "Jude", "Dylan", "Riley", "Louie", "Toby", "Ronnie", "Arlo", "Teddy", "Hugo", "Elliot", "Jayden", "Callum",
    "Lewis", "Kyle", "Ryan", "Connor", "Jordan", "Liam", "Luke", "Matthew", "Benjamin", "Nathan", "Owen", "Jake",
    "Reece", "Bradley", "Harvey", "Rory", "Frankie", "Jenson", "Bobby", "Stanley", "Sonny", "Ellis", "Tyler",
    "Cameron", "Aiden", "Joseph", "Adam", "Kai", "Ezra", "Rowan", "Sebastian", "Zachary",
)  # fmt: skip
_WB_OLDER_MALE = (
    "David", "Paul", "Andrew", "Mark", "John", "Michael", "Stephen", "Richard", "Christopher", "Robert", "Peter",
    "Ian", "Gary", "Darren", "Lee", "Craig", "Wayne", "Neil", "Jason", "Simon", "Martin", "Stuart", "Kevin",
    "Anthony", "Matthew", "Daniel", "James", "Thomas", "William", "Jonathan", "Carl", "Dean", "Scott", "Philip",
    "Graham", "Keith", "Barry", "Colin", "Alan", "Brian", "Nigel", "Trevor", "Adrian", "Russell", "Jamie", "Ryan",
    "Adam", "Joseph", "Gareth", "Alexander", "Liam", "Nicholas", "Timothy", "Graeme", "Charles", "Edward",
    "Kenneth", "Ross", "Benjamin", "Samuel", "Luke", "Jack", "Sean", "Callum", "Connor",
)  # fmt: skip
_WB_SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Thomas",
    "Harris", "Lewis", "Turner", "Hill", "Cooper", "Martin", "Ward", "Moore", "Clark", "Hughes", "Edwards", "King",
    "Baker", "Harrison", "Morris", "Lee", "Allen", "Scott", "Young", "Mitchell", "Watson", "Parker", "Bell", "Shaw",
    "Cook", "Carter", "Richardson", "Bennett", "Phillips", "Anderson", "Murray", "Robson", "Simpson", "Marshall",
    "Graham", "Collins", "Bailey", "Kelly", "Stewart", "Armstrong", "Elliott", "Dixon", "Atkinson", "Wilkinson",
    "Hunter", "Fletcher", "Chapman", "Mason", "Gray", "Cox", "Richards", "Ellis", "Adams", "Foster", "Price",
    "Webb", "Rogers", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker",
    "Fisher", "Stevens", "Jenkins", "Dawson", "Harvey", "Pearson", "Gibson", "Howard", "Andrews", "Reynolds",
    "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence", "Cole", "Bradley",
    "Spencer", "Ball", "Burton", "Watts", "Rose", "Booth", "Perry", "Wells", "Hart", "Hudson", "Newman", "Barrett",
    "Gregory", "Lowe", "Carr", "Dunn", "Matthews", "Owen", "Griffiths", "Morgan", "Davis", "Hetherington",
    "Milburn", "Forster", "Ridley", "Nixon", "Hedley", "Dodds", "Tate", "Heslop", "Bainbridge", "Storey",
    "Pattinson", "Lamb", "Potts", "Swan", "McAllister", "McDonald", "MacLeod", "McKenzie", "McLean", "McGregor",
)  # fmt: skip
# The long tail: place-name surnames, each rare, generated from stems and endings (Ashworth, Kelby, Ridgeford).
_TAIL_STEMS = (
    "Ash", "Black", "Brad", "Brom", "Cal", "Chat", "Cleve", "Crag", "Dal", "Dun", "Eg", "Fen", "Gar", "Hal",
    "Hart", "Haw", "Hep", "Ing", "Kel", "Kirk", "Lang", "Lid", "Mar", "Mel", "Mid", "Mor", "Nel", "Ord", "Pen",
    "Rad", "Ridge", "Rom", "Sel", "Shaw", "Skel", "Stan", "Swin", "Thorn", "Wal", "Wen", "Whit", "Wins", "Wor",
    "Yar", "Ather",
)  # fmt: skip
_TAIL_ENDINGS = (
    "by", "croft", "dale", "field", "ford", "ham", "hurst", "ley", "more", "stone", "thorpe", "ton", "well",
    "wick", "worth",
)  # fmt: skip

_IRISH_FEMALE = (
    "Siobhan", "Niamh", "Aoife", "Ciara", "Sinead", "Orla", "Roisin", "Aisling", "Saoirse", "Caoimhe", "Mary",
    "Bridget", "Kathleen", "Margaret", "Maeve", "Clodagh", "Deirdre", "Eimear", "Grainne", "Mairead", "Sorcha",
    "Eileen", "Anne", "Theresa", "Emer", "Shauna", "Aine", "Fionnuala", "Nuala", "Cliodhna", "Laoise",
)  # fmt: skip
_IRISH_MALE = (
    "Sean", "Patrick", "Conor", "Ciaran", "Liam", "Cian", "Oisin", "Darragh", "Eoin", "Declan", "Padraig",
    "Niall", "Ronan", "Kieran", "Brendan", "Dermot", "Seamus", "Michael", "John", "Kevin", "Shane", "Aidan",
    "Cillian", "Rory", "Fionn", "Tadhg", "Cathal", "Colm", "Donal", "Eamon", "Fergal", "Diarmuid", "Gerard",
    "Finn", "Killian", "Thomas", "James", "Martin", "Francis",
)  # fmt: skip
_IRISH_SURNAMES = (
    "Murphy", "Kelly", "O'Sullivan", "Walsh", "O'Brien", "Byrne", "Ryan", "O'Connor", "O'Neill", "O'Reilly",
    "Doyle", "McCarthy", "Gallagher", "O'Doherty", "Kennedy", "Lynch", "Murray", "Quinn", "Moore", "McLoughlin",
    "O'Carroll", "Connolly", "Daly", "O'Connell", "Dunne", "Brennan", "Burke", "Collins", "Maguire", "Nolan",
    "Flynn", "O'Callaghan", "O'Donnell", "Duffy", "Mahony", "Boyle", "Healy", "O'Shea", "Sweeney", "Kavanagh",
    "Power", "McGrath", "Moran", "Brady", "Casey", "O'Keeffe", "Foley", "McDermott", "Fitzgerald", "Fitzpatrick",
    "Hegarty", "Devlin", "McAllister", "Mulligan",
)  # fmt: skip

_POLISH_FEMALE = (
    "Anna", "Maria", "Katarzyna", "Malgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna", "Magdalena",
    "Elzbieta", "Joanna", "Aleksandra", "Monika", "Zofia", "Teresa", "Danuta", "Natalia", "Karolina", "Marta",
    "Beata", "Dorota", "Justyna", "Paulina", "Julia", "Zuzanna", "Hanna", "Maja", "Lena", "Alicja", "Oliwia",
    "Amelia", "Wiktoria", "Emilia", "Gabriela", "Weronika", "Kinga", "Patrycja", "Sylwia", "Iwona", "Renata",
    "Urszula", "Izabela",
)  # fmt: skip
_POLISH_MALE = (
    "Piotr", "Krzysztof", "Tomasz", "Pawel", "Michal", "Marcin", "Jakub", "Adam", "Lukasz", "Mateusz", "Kamil",
    "Bartosz", "Grzegorz", "Wojciech", "Marek", "Dariusz", "Rafal", "Jan", "Andrzej", "Szymon", "Filip", "Antoni",
    "Aleksander", "Franciszek", "Wiktor", "Maciej", "Sebastian", "Damian", "Przemyslaw", "Dawid", "Kacper",
    "Oskar", "Igor", "Stanislaw", "Jozef", "Zbigniew", "Artur", "Robert", "Daniel", "Karol", "Mikolaj", "Nikodem",
)  # fmt: skip
_POLISH_SURNAMES = (
    "Nowak", "Kowalski", "Wisniewski", "Wojcik", "Kowalczyk", "Kaminski", "Lewandowski", "Zielinski",
    "Szymanski", "Wozniak", "Dabrowski", "Kozlowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk",
    "Piotrowski", "Grabowski", "Nowakowski", "Pawlowski", "Michalski", "Nowicki", "Adamczyk", "Dudek", "Zajac",
    "Wieczorek", "Jablonski", "Krol", "Majewski", "Olszewski", "Jaworski", "Wrobel", "Malinowski", "Pawlak",
    "Witkowski", "Walczak", "Stepien", "Gorski", "Rutkowski", "Michalak", "Sikora", "Ostrowski", "Baran",
    "Szewczyk", "Tomaszewski", "Pietrzak", "Marciniak", "Wroblewski", "Zalewski", "Jakubowski", "Jasinski",
    "Zawadzki", "Sadowski", "Bak", "Chmielewski", "Wlodarczyk", "Borkowski", "Czarnecki", "Sawicki", "Sokolowski",
    "Kubiak", "Wilk", "Kalinowski", "Lis", "Mazurek", "Wysocki", "Kazmierczak", "Sobczak", "Czerwinski",
    "Sienkiewicz", "Adamowicz", "Lukasiewicz", "Jankiewicz", "Markiewicz", "Piotrowicz", "Pawlowicz",
)  # fmt: skip

_ROMANIAN_FEMALE = (
    "Maria", "Elena", "Ioana", "Andreea", "Alexandra", "Ana", "Mihaela", "Cristina", "Gabriela", "Daniela",
    "Alina", "Raluca", "Georgiana", "Roxana", "Bianca", "Florentina", "Ionela", "Denisa", "Larisa", "Adriana",
    "Simona", "Diana", "Loredana", "Nicoleta", "Teodora", "Sofia", "Antonia",
)  # fmt: skip
_ROMANIAN_MALE = (
    "Andrei", "Alexandru", "Ion", "Mihai", "Gheorghe", "Constantin", "Vasile", "Florin", "Ionut", "Adrian",
    "Marius", "Daniel", "Cristian", "Gabriel", "Stefan", "Nicolae", "Bogdan", "Catalin", "Razvan", "David",
    "Darius", "Sorin", "Claudiu", "Ciprian", "Dumitru", "Luca", "Matei",
)  # fmt: skip
_ROMANIAN_SURNAMES = (
    "Popa", "Popescu", "Pop", "Radu", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei", "Ciobanu", "Ionescu",
    "Rusu", "Mihai", "Constantin", "Munteanu", "Marin", "Florea", "Lungu", "Moldovan", "Toma", "Dinu",
    "Georgescu", "Tudor", "Serban", "Nistor", "Dobre", "Barbu", "Ene", "Suciu", "Sandu", "Cristea", "Stanciu",
    "Preda", "Zamfir", "Lazar", "Oprea", "Voicu", "Manea", "Rosu", "Nedelcu",
)  # fmt: skip

_EUROPEAN_FEMALE = (
    "Maria", "Ana", "Sofia", "Ines", "Beatriz", "Mariana", "Giulia", "Francesca", "Chiara", "Alessia", "Lucia",
    "Elena", "Carmen", "Laura", "Marta", "Paula", "Sara", "Emma", "Lotte", "Sanne", "Anouk", "Camille", "Manon",
    "Leonor", "Carolina", "Valentina",
)  # fmt: skip
_EUROPEAN_MALE = (
    "Joao", "Pedro", "Tiago", "Miguel", "Rui", "Luis", "Carlos", "Francisco", "Francesco", "Marco", "Luca",
    "Matteo", "Giuseppe", "Antonio", "Pablo", "Javier", "Alejandro", "Daan", "Sem", "Lars", "Thijs", "Pierre",
    "Hugo", "Nicolas", "Diego", "Rafael", "Andre",
)  # fmt: skip
_EUROPEAN_SURNAMES = (
    "Da Silva", "Ferreira", "Pereira", "Costa", "Rodrigues", "Oliveira", "Martins", "Gomes", "De Souza",
    "Fernandes", "Lopes", "Almeida", "Carvalho", "Ribeiro", "Dos Santos", "Rossi", "Russo", "Esposito", "Bianchi",
    "Romano", "Ricci", "De Luca", "Ferrari", "Conti", "Garcia", "Fernandez", "Lopez", "Martinez", "Sanchez",
    "Gonzalez", "Van der Berg", "Van Dijk", "De Jong", "De Vries", "Jansen", "Bakker", "Visser", "Dubois",
    "Bernard", "Moreau", "Laurent", "Lefebvre", "Di Marco",
)  # fmt: skip

_PAKISTANI_FEMALE = (
    "Ayesha", "Fatima", "Zainab", "Maryam", "Aisha", "Hira", "Sana", "Amna", "Khadija", "Iqra", "Mahnoor", "Noor",
    "Samina", "Nasreen", "Shazia", "Rubina", "Parveen", "Nazia", "Saima", "Rukhsana", "Farzana", "Sadia", "Uzma",
    "Aliya", "Bushra", "Hafsa", "Eman", "Zara", "Inaya", "Anaya", "Aleena", "Alisha", "Haleema", "Mehwish",
    "Kiran", "Nabila", "Shabana", "Tahira", "Yasmin", "Sumaira", "Anum", "Rabia",
)  # fmt: skip
_PAKISTANI_MALE = (
    "Muhammad", "Ali", "Ahmed", "Hassan", "Usman", "Bilal", "Imran", "Adnan", "Zain", "Hamza", "Ibrahim", "Yusuf",
    "Abdullah", "Umar", "Zakariya", "Ayaan", "Rayyan", "Haris", "Faisal", "Tariq", "Asif", "Kamran", "Shahid",
    "Nadeem", "Zubair", "Waqas", "Arslan", "Irfan", "Javed", "Rizwan", "Sajid", "Amir", "Asad", "Khalid", "Saqib",
    "Shoaib", "Qasim", "Idris", "Musa", "Zayn", "Danyal", "Rehan", "Ismail",
)  # fmt: skip
_PAKISTANI_SURNAMES = (
    "Khan", "Hussain", "Ahmed", "Ali", "Akhtar", "Shah", "Mahmood", "Iqbal", "Rehman", "Rashid", "Aslam", "Malik",
    "Butt", "Chaudhry", "Raja", "Sheikh", "Qureshi", "Mirza", "Bashir", "Riaz", "Anwar", "Javed", "Saleem",
    "Hanif", "Yousaf", "Akram", "Ashraf", "Azam", "Mughal", "Abbasi", "Siddiqui", "Bhatti", "Arshad", "Mehmood",
    "Zaman", "Latif", "Sadiq", "Hameed", "Saeed", "Amin", "Younis", "Majid", "Kiani",
)  # fmt: skip

_INDIAN_FEMALE = (
    "Priya", "Pooja", "Anjali", "Neha", "Riya", "Divya", "Kavita", "Sunita", "Anita", "Rekha", "Meera", "Nisha",
    "Shreya", "Ananya", "Aditi", "Isha", "Kiran", "Sonia", "Deepa", "Hema", "Jyoti", "Manisha", "Nikita",
    "Radhika", "Sapna", "Usha", "Bhavna", "Hetal", "Krupa", "Diya", "Aanya", "Saanvi", "Kavya", "Tara", "Leela",
    "Asha", "Mira", "Nalini", "Komal", "Sneha", "Pallavi",
)  # fmt: skip
_INDIAN_MALE = (
    "Rahul", "Amit", "Raj", "Rohan", "Arjun", "Vikram", "Sanjay", "Ravi", "Anil", "Sunil", "Deepak", "Ashok",
    "Vijay", "Nikhil", "Kiran", "Suresh", "Ramesh", "Mahesh", "Dinesh", "Hitesh", "Nilesh", "Jayesh", "Pranav",
    "Aarav", "Vihaan", "Krish", "Dev", "Aryan", "Ishaan", "Sai", "Harsh", "Karan", "Manish", "Pradeep", "Rajesh",
    "Vivek", "Yash", "Arnav", "Sandeep", "Aditya", "Siddharth",
)  # fmt: skip
_INDIAN_SURNAMES = (
    "Patel", "Shah", "Mistry", "Sharma", "Parmar", "Solanki", "Chauhan", "Joshi", "Kumar", "Mehta", "Desai",
    "Pandya", "Lad", "Rana", "Bhatt", "Trivedi", "Gupta", "Verma", "Chopra", "Kapoor", "Malhotra", "Khanna", "Nair",
    "Menon", "Pillai", "Iyer", "Reddy", "Rao", "Naidu", "Das", "Bose", "Ghosh", "Mukherjee", "Banerjee",
    "Chatterjee", "Lakhani", "Thakkar", "Vaghela", "Makwana", "Gohil", "Vora", "Kotecha", "Ruparelia", "Sodha",
)  # fmt: skip

_SIKH_FEMALE = (
    "Harpreet", "Manpreet", "Gurpreet", "Jaspreet", "Simran", "Amandeep", "Navdeep", "Jasleen", "Harleen",
    "Navneet", "Gurleen", "Amrit", "Kiranjit", "Sukhdeep", "Rupinder", "Manjit", "Baljit", "Paramjit", "Jasbir",
    "Kulwinder", "Rajwinder", "Parminder", "Surinder", "Jasmeet", "Harnoor", "Gurnoor", "Prabhjot", "Ravneet",
    "Sandeep", "Balbir", "Kamaljit", "Jaswinder",
)  # fmt: skip
_SIKH_MALE = (
    "Gurpreet", "Harpreet", "Manpreet", "Jaspreet", "Amandeep", "Navdeep", "Harjit", "Kuldeep", "Rajinder",
    "Balwinder", "Jaswinder", "Sukhwinder", "Parminder", "Kulwinder", "Surinder", "Gurdeep", "Ravinder",
    "Harvinder", "Mandeep", "Jasvir", "Gurjit", "Arjun", "Jaskaran", "Gurveer", "Tejinder", "Harman", "Jagdeep",
    "Karanveer", "Ranjit", "Sukhdev", "Amrik", "Daljit", "Inderjit", "Baldev", "Jagjit", "Manjinder", "Sukhbir",
)  # fmt: skip
_SIKH_SURNAMES = (
    "Gill", "Sandhu", "Sidhu", "Dhillon", "Grewal", "Bains", "Johal", "Virdi", "Bhamra", "Sangha", "Dhaliwal",
    "Sahota", "Atwal", "Kang", "Mann", "Cheema", "Randhawa", "Bassi", "Hayer", "Kalsi", "Sohal", "Uppal", "Rai",
    "Bhogal", "Chahal", "Dosanjh", "Khaira", "Matharu", "Rehal", "Sehmi", "Thind", "Toor", "Deol", "Brar",
    "Hundal", "Aujla", "Jandu", "Chana", "Nijjar",
)  # fmt: skip

_BANGLADESHI_FEMALE = (
    "Fatima", "Ayesha", "Nusrat", "Sumaiya", "Tahmina", "Shirin", "Rahima", "Salma", "Nasima", "Rokeya",
    "Shahnaz", "Jesmin", "Rumana", "Farhana", "Sabrina", "Tasnim", "Maliha", "Anika", "Nadia", "Roksana",
    "Shamima", "Sultana", "Halima", "Jannat", "Sadia", "Afsana", "Lubna", "Sharmin", "Rehana", "Habiba", "Marium",
    "Amina", "Khadija", "Safiya", "Nafisa", "Ruksana", "Husna", "Shapla", "Mahmuda", "Rima", "Sharifa",
)  # fmt: skip
_BANGLADESHI_MALE = (
    "Mohammed", "Abdul", "Shahid", "Jamal", "Kamal", "Rafiq", "Abdur", "Saiful", "Mizanur", "Anwar", "Habib",
    "Hasan", "Imran", "Rashid", "Faruk", "Shafiq", "Abul", "Aminul", "Jahangir", "Mahbub", "Monir", "Nazmul",
    "Rubel", "Shahin", "Sohel", "Tanvir", "Yasin", "Zakir", "Ibrahim", "Yusuf", "Ayaan", "Rayhan", "Arif",
    "Ashraf", "Mashuk", "Shamim", "Shafi", "Ruhul", "Azad", "Ismail",
)  # fmt: skip
_BANGLADESHI_SURNAMES = (
    "Miah", "Uddin", "Rahman", "Ahmed", "Ali", "Islam", "Hussain", "Hoque", "Haque", "Khan", "Choudhury",
    "Chowdhury", "Alam", "Hossain", "Karim", "Sarkar", "Talukder", "Mia", "Ullah", "Kabir", "Mahmud", "Molla",
    "Sheikh", "Bhuiyan", "Mondal", "Sultan", "Aziz", "Hasan", "Rashid", "Siddique", "Amin", "Majumder", "Shah",
    "Shikder", "Akhtar", "Munshi", "Khandaker", "Biswas", "Mridha", "Patwary",
)  # fmt: skip

_SOMALI_FEMALE = (
    "Amina", "Hodan", "Fadumo", "Hawa", "Sahra", "Hibo", "Ayan", "Ifrah", "Khadra", "Nimco", "Asha", "Halima",
    "Maryan", "Sagal", "Ubah", "Deeqa", "Sumaya", "Ikran", "Najma", "Filsan", "Nasra", "Muna", "Ladan", "Hamdi",
    "Fartun", "Samira", "Safiya", "Anisa", "Idil", "Salma", "Zamzam", "Hanan", "Istahil", "Kowsar", "Yasmin",
    "Ruqiya", "Hafsa", "Bilan",
)  # fmt: skip
_SOMALI_MALE = (
    "Mohamed", "Abdi", "Ahmed", "Ali", "Hassan", "Abdullahi", "Omar", "Yusuf", "Ibrahim", "Abdirahman", "Mohamud",
    "Osman", "Ismail", "Farah", "Hussein", "Abdirizak", "Abdikadir", "Jama", "Aden", "Nur", "Dahir", "Guled",
    "Liban", "Bashir", "Said", "Mukhtar", "Yasin", "Khalid", "Hamza", "Mustafe", "Abdiaziz", "Sakariye", "Bilal",
    "Ayub", "Idris", "Warsame", "Musa", "Hirsi", "Elmi", "Shire",
)  # fmt: skip
_SOMALI_SURNAMES = (
    "Mohamed", "Ahmed", "Ali", "Abdi", "Hassan", "Hussein", "Farah", "Omar", "Yusuf", "Ibrahim", "Abdullahi",
    "Osman", "Ismail", "Jama", "Warsame", "Aden", "Nur", "Mohamud", "Elmi", "Said", "Hirsi", "Dahir", "Egal",
    "Duale", "Samatar", "Abdirahman", "Adan", "Musa", "Guled", "Awale", "Gure", "Isse", "Shire", "Yasin", "Bashir",
)  # fmt: skip

_NIGERIAN_FEMALE = (
    "Blessing", "Grace", "Chioma", "Ngozi", "Adaeze", "Chiamaka", "Precious", "Favour", "Oluwaseun", "Temitope",
    "Funmilayo", "Folake", "Bukola", "Yetunde", "Titilayo", "Omolara", "Abimbola", "Damilola", "Ayomide", "Nneka",
    "Amaka", "Ifeoma", "Chinwe", "Adaora", "Uchechi", "Esther", "Deborah", "Ruth", "Mercy", "Joy", "Faith",
    "Comfort", "Peace", "Morenike", "Kehinde", "Taiwo", "Tolulope", "Oluwatoyin", "Adunni", "Ireoluwa",
    "Chidinma", "Ebere", "Ozioma", "Mary", "Elizabeth", "Victoria", "Janet",
)  # fmt: skip
_NIGERIAN_MALE = (
    "David", "Daniel", "Samuel", "Emmanuel", "Chinedu", "Emeka", "Chukwuemeka", "Oluwaseun", "Olumide",
    "Babatunde", "Adebayo", "Oluwafemi", "Ayodele", "Olusegun", "Temitope", "Damilola", "Tobiloba", "Obinna",
    "Ikenna", "Nnamdi", "Chidi", "Uchenna", "Kelechi", "Ifeanyi", "Chibuike", "Joshua", "Michael", "Victor",
    "Godwin", "Kehinde", "Taiwo", "Adewale", "Kayode", "Segun", "Tunde", "Olawale", "Somtochukwu", "Ebuka",
    "Chigozie", "Ayomide", "Joseph", "John", "Stephen", "Tobenna",
)  # fmt: skip
_NIGERIAN_SURNAMES = (
    "Okafor", "Adeyemi", "Okeke", "Okonkwo", "Eze", "Nwosu", "Nwachukwu", "Adebayo", "Ogunleye", "Olawale",
    "Balogun", "Bello", "Ibrahim", "Afolabi", "Ajayi", "Akinola", "Ogunbiyi", "Oladipo", "Okoro", "Chukwu",
    "Onyeka", "Nnadi", "Igwe", "Onuoha", "Obiora", "Okoye", "Oyewole", "Adeleke", "Olaniyan", "Ogundipe",
    "Akande", "Babalola", "Adegoke", "Ojo", "Oni", "Alabi", "Lawal", "Nwankwo", "Anyanwu", "Uzoma", "Ezeh", "Ike",
    "Adeniyi", "Oyebanji", "Olatunji", "Salami", "Oladele",
)  # fmt: skip

_GHANAIAN_FEMALE = (
    "Ama", "Akua", "Adwoa", "Abena", "Afua", "Yaa", "Efua", "Esi", "Akosua", "Grace", "Mercy", "Gifty", "Patience",
    "Comfort", "Priscilla", "Esther", "Vida", "Abigail", "Dora", "Linda", "Nana", "Naomi", "Rita", "Felicia",
    "Doris",
)  # fmt: skip
_GHANAIAN_MALE = (
    "Kwame", "Kofi", "Kwabena", "Kwaku", "Yaw", "Kwasi", "Kojo", "Kwadwo", "Emmanuel", "Samuel", "Daniel", "Isaac",
    "Michael", "Ebenezer", "Prince", "Richard", "Joseph", "Eric", "Francis", "Frank", "Nana", "Bernard", "Gideon",
    "Stephen", "Solomon",
)  # fmt: skip
_GHANAIAN_SURNAMES = (
    "Mensah", "Owusu", "Boateng", "Asante", "Osei", "Appiah", "Agyeman", "Darko", "Addo", "Amoah", "Ofori",
    "Adjei", "Antwi", "Opoku", "Boakye", "Acheampong", "Frimpong", "Sarpong", "Yeboah", "Quaye", "Tetteh",
    "Quartey", "Badu", "Danso", "Ansah", "Amponsah", "Ampofo", "Asamoah", "Bonsu", "Donkor", "Kyei", "Nyarko",
    "Oppong", "Sackey", "Aidoo", "Baah", "Gyamfi", "Manu", "Poku", "Twumasi",
)  # fmt: skip

_CARIBBEAN_FEMALE = (
    "Shanice", "Chantelle", "Jada", "Nia", "Kiara", "Aaliyah", "Jasmine", "Tia", "Kayla", "Simone", "Natasha",
    "Ebony", "Keisha", "Tanisha", "Monique", "Shantelle", "Marcia", "Beverley", "Janet", "Sandra", "Donna",
    "Paulette", "Sonia", "Yvonne", "Jacqueline", "Patricia", "Carol", "Hyacinth", "Claudette", "Michelle",
    "Nicole", "Kerry-Ann", "Renee", "Zara", "Amara",
)  # fmt: skip
_CARIBBEAN_MALE = (
    "Jayden", "Malachi", "Isaiah", "Elijah", "Kai", "Tyrese", "Jamal", "Kareem", "Andre", "Nathaniel", "Joel",
    "Jordan", "Reuben", "Kyle", "Omari", "Jermaine", "Tyrone", "Dwayne", "Marlon", "Leroy", "Delroy", "Winston",
    "Errol", "Clive", "Trevor", "Lloyd", "Desmond", "Carlton", "Neville", "Everton", "Lennox", "Devon", "Kemar",
    "Curtis", "Junior", "Tyler",
)  # fmt: skip
_CARIBBEAN_SURNAMES = (
    "Campbell", "Brown", "Williams", "Thomas", "Francis", "Clarke", "Robinson", "Grant", "Morgan", "Bailey",
    "Reid", "Gordon", "Samuels", "Stewart", "Henry", "Lewis", "Powell", "Forbes", "McKenzie", "Spence", "Wright",
    "Anderson", "Richards", "Barrett", "Johnson", "Edwards", "Allen", "Walker", "Gayle", "Hinds", "Bennett",
    "Blake", "Palmer", "Ellis", "Daley", "Fraser", "Graham", "Hall", "Simpson", "Thompson", "Lindsay",
)  # fmt: skip

_CHINESE_FEMALE = (
    "Mei", "Ling", "Jing", "Yan", "Xin", "Hui", "Ying", "Min", "Fang", "Xiaoling", "Yuting", "Jiayi", "Zixuan",
    "Yuxin", "Siqi", "Mei-Ling", "Ka-Yan", "Wing-Yee", "Hoi-Yan", "Man-Yee", "Jenny", "Amy", "Grace", "Emily",
    "Chloe", "Michelle", "Vivian", "Connie", "Winnie", "Karen",
)  # fmt: skip
_CHINESE_MALE = (
    "Wei", "Jun", "Hao", "Ming", "Jian", "Lei", "Yang", "Tao", "Hong", "Bo", "Haoran", "Zihan", "Yuxuan", "Junjie",
    "Zhiwei", "Wai-Ming", "Ka-Ho", "Chi-Wai", "Siu-Ming", "Kwok-Wing", "Kevin", "Jason", "Eric", "Daniel", "Ryan",
    "Jonathan", "Alan", "Tony", "Michael", "Justin",
)  # fmt: skip
_CHINESE_SURNAMES = (
    "Wong", "Chan", "Li", "Lee", "Cheung", "Lau", "Chen", "Zhang", "Wang", "Liu", "Yang", "Huang", "Ng", "Ho",
    "Lam", "Leung", "Tang", "Yip", "Cheng", "Chow", "Lin", "Zhou", "Wu", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo",
    "He", "Lo", "Tsang", "Fung", "Kwok", "Yeung", "Tam", "Choi", "Mak", "Lai", "Poon", "Chu", "Siu", "Tse", "Man",
)  # fmt: skip

_ARAB_FEMALE = (
    "Fatima", "Mariam", "Noor", "Layla", "Sara", "Yasmin", "Huda", "Rania", "Dina", "Amira", "Salma", "Hana",
    "Reem", "Lina", "Jana", "Malak", "Rawan", "Dalia", "Aya", "Nadia", "Zainab", "Rahaf", "Haya", "Lujain",
    "Aisha", "Samar",
)  # fmt: skip
_ARAB_MALE = (
    "Mohammed", "Ahmed", "Ali", "Omar", "Khaled", "Youssef", "Hassan", "Hussein", "Ibrahim", "Mahmoud", "Mustafa",
    "Abdullah", "Karim", "Tariq", "Samir", "Walid", "Hamza", "Yahya", "Adam", "Zaid", "Bilal", "Faris", "Nabil",
    "Majid", "Saif", "Anas", "Rami", "Jamal", "Amir", "Yaseen",
)  # fmt: skip
_ARAB_SURNAMES = (
    "Hassan", "Ali", "Ahmed", "Mahmoud", "Ibrahim", "Mansour", "Haddad", "Khalil", "Saleh", "Nasser", "Youssef",
    "Abdallah", "Hamdan", "Rashid", "Sayed", "Masri", "Shami", "Khatib", "Najjar", "Hakim", "Jaber", "Darwish",
    "Awad", "Amin", "Aziz", "Fahmy", "Zaki", "Omari", "Tamimi", "Obeidi", "Jabouri", "Hashimi", "Zubaidi",
    "Dulaimi", "Saadi", "Hamad", "Harbi", "Qahtani", "Shammari",
)  # fmt: skip

_TURKISH_FEMALE = (
    "Ayse", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Esra", "Merve", "Busra", "Ozlem", "Sevgi",
    "Derya", "Gul", "Hulya", "Dilek", "Asli", "Ebru", "Ece", "Defne", "Eylul", "Nisa", "Irem", "Ceren", "Dilan",
    "Rojda", "Berfin", "Zozan", "Hevin", "Nazli",
)  # fmt: skip
_TURKISH_MALE = (
    "Mehmet", "Mustafa", "Ahmet", "Ali", "Huseyin", "Hasan", "Ibrahim", "Ismail", "Osman", "Yusuf", "Murat",
    "Emre", "Burak", "Can", "Mert", "Kerem", "Baran", "Serkan", "Hakan", "Ozan", "Deniz", "Kemal", "Cem", "Onur",
    "Volkan", "Eren", "Umut", "Rojhat", "Zana", "Serhat", "Azad", "Dilovan",
)  # fmt: skip
_TURKISH_SURNAMES = (
    "Yilmaz", "Kaya", "Demir", "Sahin", "Celik", "Yildiz", "Yildirim", "Ozturk", "Aydin", "Ozdemir", "Arslan",
    "Dogan", "Kilic", "Aslan", "Cetin", "Kara", "Koc", "Kurt", "Ozkan", "Simsek", "Polat", "Korkmaz", "Aktas",
    "Bulut", "Gunes", "Keskin", "Tekin", "Akin", "Karatas", "Bozkurt", "Kaplan", "Ekinci", "Tas", "Acar", "Durmaz",
    "Altintas", "Baran", "Tunc", "Uzun", "Bilgin",
)  # fmt: skip


def _tail_surnames(avoid: Iterable[str]) -> tuple[str, ...]:
    """Rare place-name surnames, stems varying fastest so the rarest are spread across stems."""
    taken = set(avoid)
    names: list[str] = []
    for ending in _TAIL_ENDINGS:
        for stem in _TAIL_STEMS:
            name = stem + ending
            if stem[-1] == ending[0] and stem[-1] != "l":
                continue
            if name not in taken:
                taken.add(name)
                names.append(name)
    return tuple(names)


def _community(
    key: str,
    label: str,
    share: float,
    female: Sequence[str],
    male: Sequence[str],
    surnames: Sequence[str],
    conventions: Conventions,
    *,
    older_female: Sequence[str] = (),
    older_male: Sequence[str] = (),
    given_offset: float = 4.0,
    surname_offset: float = 3.0,
) -> Community:
    return Community(
        key=key,
        label=label,
        share=share,
        female=NamePool.zipf(female, given_offset),
        male=NamePool.zipf(male, given_offset),
        surnames=NamePool.zipf(surnames, surname_offset),
        conventions=conventions,
        older_female=NamePool.zipf(older_female, given_offset) if older_female else None,
        older_male=NamePool.zipf(older_male, given_offset) if older_male else None,
        female_surname_pool=NamePool.zipf(conventions.female_surnames, 1.0) if conventions.female_surnames else None,
        prefix_pool=NamePool.zipf(conventions.surname_prefixes, 1.0) if conventions.surname_prefixes else None,
    )


_POLISH_ENDINGS = (("dzki", "dzka"), ("cki", "cka"), ("ski", "ska"))

COMMUNITIES: tuple[Community, ...] = (
    _community(
        "white_british", "White British", 65.0, _WB_FEMALE, _WB_MALE,
        _WB_SURNAMES + _tail_surnames(_WB_SURNAMES),
        Conventions(second_given=0.6, third_given=0.08, double_surname=0.01, outpartnering=0.06),
        older_female=_WB_OLDER_FEMALE, older_male=_WB_OLDER_MALE, given_offset=8.0, surname_offset=10.0,
    ),
    _community(
        "irish", "Irish", 1.5, _IRISH_FEMALE, _IRISH_MALE, _IRISH_SURNAMES,
        Conventions(second_given=0.55, third_given=0.1, double_surname=0.005, outpartnering=0.5),
    ),
    _community(
        "polish", "Polish / Eastern European", 4.0, _POLISH_FEMALE, _POLISH_MALE, _POLISH_SURNAMES,
        Conventions(second_given=0.25, third_given=0.02, double_surname=0.04, feminine_endings=_POLISH_ENDINGS,
                    outpartnering=0.15),
        surname_offset=4.0,
    ),
    _community(
        "romanian", "Romanian", 2.0, _ROMANIAN_FEMALE, _ROMANIAN_MALE, _ROMANIAN_SURNAMES,
        Conventions(second_given=0.35, third_given=0.03, outpartnering=0.1),
    ),
    _community(
        "other_european", "Other European", 2.0, _EUROPEAN_FEMALE, _EUROPEAN_MALE, _EUROPEAN_SURNAMES,
        Conventions(second_given=0.4, third_given=0.05, double_surname=0.12, surname_joiner=" ", outpartnering=0.45),
    ),
    _community(
        "pakistani", "Pakistani", 7.0, _PAKISTANI_FEMALE, _PAKISTANI_MALE, _PAKISTANI_SURNAMES,
        Conventions(second_given=0.55, third_given=0.05, leading_male_name="Muhammad", leading_male_prob=0.25,
                    female_surnames=("Bibi", "Begum", "Akhtar", "Kausar"), female_surname_prob=0.15,
                    child_female_surname_prob=0.03, fresh_child_surname=0.05, outpartnering=0.05),
    ),
    _community(
        "indian", "Indian", 3.0, _INDIAN_FEMALE, _INDIAN_MALE, _INDIAN_SURNAMES,
        Conventions(second_given=0.35, third_given=0.05, outpartnering=0.12),
        surname_offset=1.5,
    ),
    _community(
        "indian_sikh", "Indian (Sikh)", 1.5, _SIKH_FEMALE, _SIKH_MALE, _SIKH_SURNAMES,
        Conventions(second_given=0.1, third_given=0.0, sex_markers=("Kaur", "Singh"), marker_middle=0.5,
                    marker_surname=0.3, outpartnering=0.08),
    ),
    _community(
        "bangladeshi", "Bangladeshi", 3.0, _BANGLADESHI_FEMALE, _BANGLADESHI_MALE, _BANGLADESHI_SURNAMES,
        Conventions(second_given=0.6, third_given=0.05, leading_male_name="Mohammed", leading_male_prob=0.2,
                    female_surnames=("Begum", "Khatun", "Bibi", "Akter", "Khanom"), female_surname_prob=0.4,
                    child_female_surname_prob=0.1, fresh_child_surname=0.2, outpartnering=0.04),
        surname_offset=2.0,
    ),
    _community(
        "somali", "Somali", 1.5, _SOMALI_FEMALE, _SOMALI_MALE, _SOMALI_SURNAMES,
        Conventions(second_given=0.55, third_given=0.15, patronymic=0.7, patronymic_middle=True,
                    outpartnering=0.05),
        given_offset=2.0, surname_offset=2.0,
    ),
    _community(
        "nigerian", "Nigerian (Yoruba and Igbo)", 2.5, _NIGERIAN_FEMALE, _NIGERIAN_MALE, _NIGERIAN_SURNAMES,
        Conventions(second_given=0.65, third_given=0.15, double_surname=0.01, outpartnering=0.15),
        given_offset=6.0, surname_offset=6.0,
    ),
    _community(
        "ghanaian", "Ghanaian", 1.0, _GHANAIAN_FEMALE, _GHANAIAN_MALE, _GHANAIAN_SURNAMES,
        Conventions(second_given=0.6, third_given=0.1, outpartnering=0.2),
    ),
    _community(
        "black_caribbean", "Black Caribbean", 2.0, _CARIBBEAN_FEMALE, _CARIBBEAN_MALE, _CARIBBEAN_SURNAMES,
        Conventions(second_given=0.6, third_given=0.05, double_surname=0.02, outpartnering=0.45),
        given_offset=6.0, surname_offset=5.0,
    ),
    _community(
        "chinese", "Chinese", 1.5, _CHINESE_FEMALE, _CHINESE_MALE, _CHINESE_SURNAMES,
        Conventions(second_given=0.3, third_given=0.05, family_name_first=0.2, outpartnering=0.3),
        surname_offset=2.0,
    ),
    _community(
        "arab", "Arab", 1.5, _ARAB_FEMALE, _ARAB_MALE, _ARAB_SURNAMES,
        Conventions(second_given=0.4, third_given=0.1, patronymic_middle=True, surname_prefixes=("Al-", "El-"),
                    prefix_prob=0.3, outpartnering=0.2),
    ),
    _community(
        "turkish_kurdish", "Turkish and Kurdish", 1.0, _TURKISH_FEMALE, _TURKISH_MALE, _TURKISH_SURNAMES,
        Conventions(second_given=0.2, third_given=0.02, outpartnering=0.2),
    ),
)  # fmt: skip
"""Northbridge's naming communities; `share` is a percentage of the population (they sum to 100)."""

COMMUNITY_BY_KEY: Mapping[str, Community] = MappingProxyType({community.key: community for community in COMMUNITIES})

_COMMUNITY_CUM = tuple(accumulate(community.share for community in COMMUNITIES))


def _partner_choices() -> dict[str, tuple[tuple[Community, ...], tuple[float, ...]]]:
    """For each community, every other one with cumulative shares: out-partners follow the city's mix."""
    choices = {}
    for community in COMMUNITIES:
        others = tuple(other for other in COMMUNITIES if other is not community)
        choices[community.key] = (others, tuple(accumulate(other.share for other in others)))
    return choices


_PARTNER_CHOICES = _partner_choices()


def pick_community(rng: random.Random) -> Community:
    """A community in proportion to its share of the city."""
    return COMMUNITIES[bisect_right(_COMMUNITY_CUM, rng.random() * _COMMUNITY_CUM[-1], 0, len(COMMUNITIES) - 1)]


def partner_community(rng: random.Random, community: Community) -> Community:
    """A partner's community: usually the same; otherwise another in proportion to the city's shares."""
    if rng.random() >= community.conventions.outpartnering:
        return community
    others, cum = _PARTNER_CHOICES[community.key]
    return others[bisect_right(cum, rng.random() * cum[-1], 0, len(others) - 1)]


def mixed_given_names(
    rng: random.Random, sex: Sex, first: Community, second: Community, born_year: int | None = None
) -> tuple[str, ...]:
    """Given names for a child of a mixed-heritage couple: a first name from one side, often a middle from the other."""
    lead, other = (first, second) if rng.random() < 0.5 else (second, first)
    names = [lead.given_name(rng, sex, born_year)]
    if rng.random() < 0.6:
        _add_distinct(names, other.given_pool(sex, born_year), rng)
    elif rng.random() < lead.conventions.second_given:
        _add_distinct(names, lead.given_pool(sex, born_year), rng)
    return tuple(names)


def compound_surname(first: str, second: str) -> str:
    """Two surnames hyphenated ("Okafor-Reid"); never more than double-barrelled, so a compound gives one part."""
    left = first.split("-")[0].strip()
    right = second.split("-")[-1].strip()
    if not left or not right:
        raise ValueError("both surnames must be non-empty")
    if left.casefold() == right.casefold():
        return left
    return f"{left}-{right}"


@cache
def all_given_names() -> frozenset[str]:
    """Every given name the communities can produce, in any pool or position."""
    names: set[str] = set()
    for community in COMMUNITIES:
        for pool in (community.female, community.male, community.older_female, community.older_male):
            if pool is not None:
                names.update(pool.names)
        conv = community.conventions
        if conv.leading_male_name:
            names.add(conv.leading_male_name)
        if conv.sex_markers is not None:
            names.update(conv.sex_markers)
    return frozenset(names)


@cache
def all_surnames() -> frozenset[str]:
    """Every single (not double-barrelled) surname the communities can produce, in every form for either sex."""
    names: set[str] = set()
    for community in COMMUNITIES:
        conv = community.conventions
        bases = set(community.surnames.names)
        if community.prefix_pool is not None:
            bases |= {prefix + name for prefix in community.prefix_pool.names for name in community.surnames.names}
        if conv.patronymic:
            bases |= set(community.male.names)
        for name in bases:
            names.add(community.surname_for_sex(name, "female"))
            names.add(community.surname_for_sex(name, "male"))
        names.update(conv.female_surnames)
        if conv.sex_markers is not None:
            names.update(conv.sex_markers)
    return frozenset(names)


# --- How records garble names ---------------------------------------------------------------------------------

NICKNAMES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    # English
    "William": ("Will", "Bill", "Billy", "Liam"), "Elizabeth": ("Beth", "Liz", "Lizzie", "Libby", "Betty"),
    "Alexander": ("Alex", "Sandy", "Xander"), "Katherine": ("Kate", "Katie", "Kath", "Kathy"),
    "Thomas": ("Tom", "Tommy"), "James": ("Jim", "Jimmy", "Jamie"), "John": ("Johnny", "Jack"),
    "Robert": ("Rob", "Bob", "Bobby", "Robbie"), "Michael": ("Mike", "Mick", "Mikey", "Micky"),
    "Christopher": ("Chris", "Kit"), "Matthew": ("Matt", "Matty"), "Daniel": ("Dan", "Danny"),
    "Samuel": ("Sam", "Sammy"), "Benjamin": ("Ben", "Benji"), "Joseph": ("Joe", "Joey"), "Joshua": ("Josh",),
    "Jacob": ("Jake",), "Nicholas": ("Nick", "Nicky"), "Jonathan": ("Jon", "Jonny"), "Anthony": ("Tony", "Ant"),
    "Edward": ("Ed", "Eddie", "Ted", "Teddy"), "Henry": ("Harry", "Hal"), "Richard": ("Rich", "Rick", "Ricky"),
    "Andrew": ("Andy", "Drew"), "Stephen": ("Steve", "Stevie"), "David": ("Dave", "Davey"), "Peter": ("Pete",),
    "Freddie": ("Fred", "Freddy"), "Alfie": ("Alf",), "Charles": ("Charlie", "Chas"),
    "Theodore": ("Theo", "Ted", "Teddy"), "Oliver": ("Ollie", "Olly"), "Harrison": ("Harry",),
    "Timothy": ("Tim", "Timmy"), "Philip": ("Phil", "Pip"), "Gareth": ("Gaz",), "Gary": ("Gaz",),
    "Darren": ("Daz",), "Kevin": ("Kev",), "Kenneth": ("Ken", "Kenny"), "Zachary": ("Zac", "Zach"),
    "Sebastian": ("Seb",), "Nathan": ("Nate", "Nat"), "Cameron": ("Cam",), "Bradley": ("Brad",),
    "Trevor": ("Trev",), "Adrian": ("Ade",), "Russell": ("Russ",), "Stuart": ("Stu",), "Simon": ("Si",),
    "Jennifer": ("Jen", "Jenny"), "Rebecca": ("Becky", "Becca", "Bex"), "Victoria": ("Vicky", "Tori", "Vic"),
    "Samantha": ("Sam", "Sammy"), "Natalie": ("Nat", "Tally"), "Abigail": ("Abi", "Abby", "Gail"),
    "Deborah": ("Debbie", "Debs"), "Susan": ("Sue", "Susie"), "Margaret": ("Maggie", "Peggy", "Meg"),
    "Eleanor": ("Ellie", "Nell", "Nora"), "Charlotte": ("Lottie", "Charlie"), "Isabella": ("Izzy", "Bella", "Issy"),
    "Amelia": ("Millie", "Mia"), "Olivia": ("Liv", "Livvy"), "Sophia": ("Sophie",), "Jessica": ("Jess", "Jessie"),
    "Florence": ("Flo", "Florrie"), "Matilda": ("Tilly", "Tilda"), "Harriet": ("Hattie",),
    "Christine": ("Chris", "Chrissie"), "Kimberley": ("Kim",), "Nicola": ("Nicky", "Nic"), "Joanne": ("Jo",),
    "Joanna": ("Jo", "Asia"), "Stephanie": ("Steph",), "Amanda": ("Mandy",), "Caroline": ("Caz", "Carrie"),
    "Patricia": ("Pat", "Trish", "Tricia"), "Jacqueline": ("Jackie", "Jacqui"), "Danielle": ("Dani",),
    "Gemma": ("Gem",), "Beatrice": ("Bea",), "Penelope": ("Penny",), "Imogen": ("Immy",), "Georgia": ("Georgie",),
    "Natasha": ("Tash", "Tasha"), "Beverley": ("Bev",), "Nathaniel": ("Nate", "Nat"), "Elijah": ("Eli",),
    "Desmond": ("Des",), "Delroy": ("Del",), "Leroy": ("Roy",), "Tyrone": ("Ty",), "Tyrese": ("Ty",),
    "Andre": ("Dre",), "Lennox": ("Len",), "Priscilla": ("Cilla",), "Solomon": ("Sol",),
    # Irish
    "Patrick": ("Pat", "Paddy"), "Padraig": ("Paddy", "Pauric"), "Bridget": ("Bridie", "Biddy"),
    "Kathleen": ("Kath", "Kathy", "Katie"), "Seamus": ("Shay",), "Fionnuala": ("Nuala", "Finola"),
    "Gerard": ("Gerry", "Ger"), "Francis": ("Frank", "Frankie"), "Declan": ("Dec",),
    # Polish and Romanian
    "Aleksandra": ("Ola",), "Katarzyna": ("Kasia",), "Malgorzata": ("Gosia", "Malgosia"), "Agnieszka": ("Aga",),
    "Magdalena": ("Magda",), "Elzbieta": ("Ela",), "Zuzanna": ("Zuzia",), "Krzysztof": ("Krzys", "Chris"),
    "Tomasz": ("Tomek", "Tom"), "Pawel": ("Paul",), "Michal": ("Michael",), "Wojciech": ("Wojtek",),
    "Jakub": ("Kuba", "Jacob"), "Lukasz": ("Luke",), "Aleksander": ("Olek", "Alex"), "Piotr": ("Peter", "Piotrek"),
    "Grzegorz": ("Greg",), "Mateusz": ("Mati", "Matt"), "Bartosz": ("Bartek",), "Przemyslaw": ("Przemek",),
    "Stanislaw": ("Stan", "Staszek"), "Franciszek": ("Franek",), "Alexandru": ("Alex",),
    "Gheorghe": ("George", "Gica"), "Constantin": ("Costel", "Costi"), "Nicolae": ("Nicu",), "Cristian": ("Cristi",),
    "Gabriela": ("Gabi",), "Gabriel": ("Gabi",), "Daniela": ("Dani",), "Alexandra": ("Alex",),
    "Francisco": ("Paco", "Chico"), "Giuseppe": ("Beppe", "Joe"), "Alejandro": ("Alex",), "Antonio": ("Tony",),
    # South Asian, Arab, Somali and Turkish
    "Muhammad": ("Mo", "Mohd", "Md"), "Mohammed": ("Mo", "Mohd", "Md"), "Mohamed": ("Mo",),
    "Abdullah": ("Abdul",), "Zakariya": ("Zak",), "Ibrahim": ("Ibby", "Ibi"), "Khadija": ("Dija",),
    "Mahnoor": ("Noor",), "Mizanur": ("Mizan",), "Saiful": ("Saif",), "Abdullahi": ("Abdi",),
    "Abdirahman": ("Abdi",), "Abdirizak": ("Abdi", "Razak"), "Abdikadir": ("Abdi", "Kadir"),
    "Abdiaziz": ("Abdi", "Aziz"), "Mehmet": ("Memo",), "Rajesh": ("Raj",), "Rajinder": ("Raj",),
    "Rajwinder": ("Raj",), "Vikram": ("Vik", "Vicky"), "Jaswinder": ("Jas",), "Jaspreet": ("Jas",),
    "Jasleen": ("Jas",), "Harpreet": ("Harry", "Preet"), "Gurpreet": ("Gary", "Preet"), "Manpreet": ("Manny",),
    "Sukhwinder": ("Sukhi",), "Sukhdeep": ("Sukhi",), "Balwinder": ("Bally",), "Parminder": ("Pam", "Parm"),
    "Navdeep": ("Nav",), "Navneet": ("Nav",), "Amandeep": ("Aman",), "Kiranjit": ("Kiran",), "Harvinder": ("Harv",),
    "Jagdeep": ("Jag",), "Sandeep": ("Sandy", "Sunny"), "Nikhil": ("Nik",), "Ananya": ("Anu",), "Sanjay": ("Sanj",),
    # West African
    "Oluwaseun": ("Seun",), "Chukwuemeka": ("Emeka",), "Oluwafemi": ("Femi",), "Babatunde": ("Tunde",),
    "Olusegun": ("Segun",), "Oluwatoyin": ("Toyin",), "Temitope": ("Tope", "Temi"), "Damilola": ("Dami", "Lola"),
    "Chiamaka": ("Amaka",), "Funmilayo": ("Funmi",), "Olumide": ("Mide",), "Abimbola": ("Bimbo",),
    "Titilayo": ("Titi",), "Omolara": ("Lara",), "Ayomide": ("Ayo",), "Adaeze": ("Ada",), "Chinedu": ("Nedu",),
    "Uchenna": ("Uche",), "Ikenna": ("Ike",), "Tobiloba": ("Tobi",), "Tolulope": ("Tolu",), "Ifeoma": ("Ify",),
    "Ifeanyi": ("Ify",), "Somtochukwu": ("Somto",), "Adebayo": ("Bayo",), "Adewale": ("Wale",),
    "Olawale": ("Wale",), "Morenike": ("Nike",), "Ireoluwa": ("Ire",), "Chigozie": ("Gozie",),
    "Emmanuel": ("Manny", "Emma"), "Victor": ("Vic",), "Ebenezer": ("Ebo", "Eben"), "Kwabena": ("Kobby",),
})  # fmt: skip
"""Canonical given name → the informal forms people are recorded under."""

_SPELLING_VARIANTS: dict[str, tuple[str, ...]] = {
    # Given names
    "Muhammad": ("Mohammed", "Mohammad", "Mohamed", "Muhammed", "Mohamad"),
    "Mohammed": ("Muhammad", "Mohammad", "Mohamed", "Mohammod"), "Mohamed": ("Mohammed", "Mohamad", "Maxamed"),
    "Mohamud": ("Mahamoud", "Mahmoud", "Mohamoud", "Maxamuud"), "Aisha": ("Ayesha", "Aysha", "Aishah"),
    "Ayesha": ("Aisha", "Aysha"), "Katherine": ("Catherine", "Kathryn", "Katharine"), "Zoe": ("Zoë", "Zoey"),
    "Sean": ("Shaun", "Shawn", "Seán"), "Siobhan": ("Shivaun", "Siobhán", "Shevaun"), "Chloe": ("Chloë", "Cloe"),
    "Stephen": ("Steven",), "Jayden": ("Jaden", "Jaiden", "Jaydon"), "Aiden": ("Aidan", "Ayden"),
    "Aidan": ("Aiden",), "Yusuf": ("Yousef", "Youssef", "Yousuf", "Yusef"), "Youssef": ("Yusuf", "Yousef"),
    "Ibrahim": ("Ebrahim", "Ibraheem"), "Abdullahi": ("Abdulahi", "Cabdullahi"),
    "Abdirahman": ("Abdulrahman", "Abdurahman", "Cabdiraxmaan"), "Fadumo": ("Faadumo", "Fatuma"),
    "Fatima": ("Fatimah", "Fathima"), "Maryam": ("Mariam", "Maryum"), "Mariam": ("Maryam", "Mariyam"),
    "Zainab": ("Zaynab", "Zenab"), "Noor": ("Nur", "Nour"), "Yasmin": ("Yasmine", "Yasmeen"),
    "Khadija": ("Khadijah", "Khadeeja"), "Hamza": ("Hamzah",), "Usman": ("Osman", "Uthman"), "Omar": ("Umar",),
    "Umar": ("Omar",), "Ahmed": ("Ahmad",), "Ayaan": ("Ayan",), "Rehan": ("Rayhan", "Reyhan"),
    "Isabella": ("Isabelle", "Izabella"), "Sophia": ("Sofia",), "Leah": ("Lea", "Lia"), "Lily": ("Lilly", "Lillie"),
    "Freya": ("Freja",), "Niamh": ("Neve",), "Aoife": ("Eefa",), "Caoimhe": ("Keeva",), "Saoirse": ("Seersha",),
    "Grainne": ("Grania", "Gráinne"), "Roisin": ("Rosheen", "Róisín"), "Sinead": ("Shinead", "Sinéad"),
    "Ciara": ("Kiara", "Keira", "Kiera"), "Keira": ("Kiera", "Kira", "Ciara"), "Eoin": ("Owen", "Eoghan"),
    "Padraig": ("Pádraig", "Padraic"), "Conor": ("Connor",), "Connor": ("Conor", "Conner"),
    "Ciaran": ("Kieran", "Ciarán"), "Kieran": ("Ciaran", "Kieron"), "Callum": ("Calum", "Kallum"),
    "Lewis": ("Louis",), "Louie": ("Louis", "Louey"), "Reece": ("Rhys", "Reese"), "Finley": ("Finlay", "Findlay"),
    "Elliot": ("Elliott", "Eliot"), "Matthew": ("Mathew",), "Philip": ("Phillip",), "Nicholas": ("Nicolas",),
    "Jonathan": ("Johnathan", "Jonathon"), "Graham": ("Graeme",), "Graeme": ("Graham",), "Alan": ("Allan", "Allen"),
    "Neil": ("Neal",), "Lee": ("Leigh", "Li"), "Lindsay": ("Lindsey",), "Kirsty": ("Kirstie",),
    "Hayley": ("Haley", "Hailey"), "Leanne": ("Lianne",), "Stacey": ("Stacy", "Stacie"), "Tracey": ("Tracy",),
    "Joanne": ("Joann", "Jo-Anne"), "Claire": ("Clare",), "Jacqueline": ("Jaqueline",), "Rebecca": ("Rebekah",),
    "Sarah": ("Sara",), "Hannah": ("Hanna",), "Natalie": ("Nathalie",), "Megan": ("Meghan", "Meagan"),
    "Isaac": ("Izaak",), "Malgorzata": ("Małgorzata",), "Elzbieta": ("Elżbieta",), "Pawel": ("Paweł",),
    "Lukasz": ("Łukasz",), "Michal": ("Michał",), "Przemyslaw": ("Przemysław",), "Stanislaw": ("Stanisław",),
    "Jozef": ("Józef",), "Rafal": ("Rafał",), "Mikolaj": ("Mikołaj",), "Ionut": ("Ionuț",), "Stefan": ("Ștefan",),
    "Ayse": ("Ayşe",), "Mehmet": ("Mehmed",), "Huseyin": ("Hüseyin", "Hussein"), "Ozlem": ("Özlem",),
    "Gul": ("Gül",), "Hulya": ("Hülya",), "Busra": ("Büşra",), "Oluwaseun": ("Oluseun",), "Kwabena": ("Kobina",),
    "Kwaku": ("Kweku",), "Kofi": ("Koffi",), "Kwame": ("Kwami",), "Adwoa": ("Adjoa", "Adjowa"),
    "Wai-Ming": ("Wai Ming", "Waiming"), "Ka-Yan": ("Ka Yan", "Kayan"), "Mei-Ling": ("Mei Ling", "Meiling"),
    "Tanvir": ("Tanveer",), "Sumaiya": ("Sumaya", "Sumaiyah"), "Sumaya": ("Sumaiya", "Sumayah"),
    "Tasnim": ("Tasneem",), "Habiba": ("Habibah",), "Halima": ("Haleema", "Halimah"), "Haleema": ("Halima",),
    "Amina": ("Aminah", "Ameena"), "Faisal": ("Faysal",), "Bilal": ("Belal",), "Zakariya": ("Zakaria", "Zakariyya"),
    "Rayyan": ("Rayan", "Rayaan"), "Danyal": ("Daniyal",), "Zayn": ("Zain",), "Zain": ("Zayn",), "Sana": ("Sanaa",),
    "Pooja": ("Puja",), "Deepak": ("Dipak",), "Pradeep": ("Pradip",), "Sandeep": ("Sandip",), "Kuldeep": ("Kuldip",),
    "Gurdeep": ("Gurdip",), "Navdeep": ("Navdip",), "Amandeep": ("Amandip",), "Harjit": ("Harjeet",),
    "Manjit": ("Manjeet",), "Gurjit": ("Gurjeet",), "Baljit": ("Baljeet",), "Paramjit": ("Paramjeet",),
    "Inderjit": ("Inderjeet",), "Jaswinder": ("Jasvinder",), "Sukhwinder": ("Sukhvinder",),
    "Balwinder": ("Balvinder",), "Kulwinder": ("Kulvinder",), "Rajinder": ("Rajender",), "Surinder": ("Surender",),
    "Harvinder": ("Harwinder",),
    # Surnames
    "Smith": ("Smyth",), "Thompson": ("Thomson", "Tomson"), "Chaudhry": ("Choudhury", "Chowdhury", "Chaudhary"),
    "Choudhury": ("Chowdhury", "Chaudhry"), "Chowdhury": ("Choudhury", "Chaudhry"), "Nwachukwu": ("Nwachuku",),
    "Kowalski": ("Kowalsky", "Kovalski"), "Kowalska": ("Kowalski",), "Wisniewski": ("Wiśniewski",),
    "Wojcik": ("Wójcik",), "Nowak": ("Novak",), "Krol": ("Król",), "Hussain": ("Hussein", "Husain", "Hossain"),
    "Hossain": ("Hussain", "Hosain"), "Hussein": ("Hussain", "Husein"), "Rahman": ("Rehman",),
    "Rehman": ("Rahman",), "Uddin": ("Udin", "Uddeen"), "Miah": ("Mia", "Meah"), "Haque": ("Hoque", "Huq"),
    "Hoque": ("Haque", "Huq"), "Iqbal": ("Ikbal",), "Mahmood": ("Mahmud", "Mehmood"), "Mehmood": ("Mahmood",),
    "Qureshi": ("Quraishi", "Kureshi"), "Siddiqui": ("Siddiqi", "Siddique"), "Siddique": ("Siddiqui",),
    "Yousaf": ("Yusuf", "Yousuf"), "Begum": ("Begom",), "Khatun": ("Khatoon",), "Akhtar": ("Akter", "Akthar"),
    "Akter": ("Akhtar",), "Mistry": ("Mistri",), "Chauhan": ("Chouhan",), "Sandhu": ("Sandu",),
    "Dhillon": ("Dhilon", "Dillon"), "Dhaliwal": ("Daliwal",), "Mensah": ("Mensa",), "Agyeman": ("Agyemang",),
    "O'Brien": ("OBrien", "O Brien", "O'Bryan"), "O'Neill": ("O'Neil", "ONeill"),
    "O'Sullivan": ("O Sullivan", "OSullivan", "Sullivan"), "O'Connor": ("O'Conor", "OConnor"),
    "O'Reilly": ("Reilly", "OReilly"), "O'Doherty": ("Doherty", "Docherty"),
    "McAllister": ("MacAllister", "McAlister", "Mcallister"), "McCarthy": ("MacCarthy", "Mccarthy"),
    "McDonald": ("MacDonald", "Macdonald"), "MacLeod": ("McLeod", "Macleod"),
    "McKenzie": ("MacKenzie", "Mackenzie"), "Byrne": ("Byrnes",), "Gallagher": ("Gallacher",),
    "Walsh": ("Walshe", "Welsh"), "Kelly": ("Kelley",), "Reid": ("Reed", "Read"), "Clarke": ("Clark",),
    "Clark": ("Clarke",), "Stewart": ("Stuart",), "Gayle": ("Gail", "Gale"), "Davies": ("Davis",),
    "Davis": ("Davies",), "Phillips": ("Philips",), "Matthews": ("Mathews",), "Stevens": ("Stephens",),
    "Pearce": ("Pierce", "Pearse"), "Wilkinson": ("Wilkenson",), "Hetherington": ("Heatherington",),
    "De Souza": ("D'Souza", "DeSouza", "de Souza", "Souza"), "Da Silva": ("DaSilva", "Silva", "da Silva"),
    "Dos Santos": ("Santos", "dos Santos"), "Van der Berg": ("Van den Berg", "Vanderberg", "van der Berg"),
    "De Jong": ("de Jong", "DeJong"), "Van Dijk": ("Van Dyk", "van Dijk"), "De Luca": ("DeLuca", "Deluca"),
    "Fernandes": ("Fernandez",), "Fernandez": ("Fernandes",), "Gonzalez": ("Gonzales",),
    "Yilmaz": ("Yılmaz",), "Ozturk": ("Öztürk",), "Sahin": ("Şahin",), "Celik": ("Çelik",), "Yildiz": ("Yıldız",),
    "Dogan": ("Doğan",), "Ozdemir": ("Özdemir",), "Koc": ("Koç",), "Gunes": ("Güneş",),
    "Li": ("Lee",), "Chan": ("Chen",), "Chen": ("Chan",), "Cheung": ("Zhang",),
    "Zhang": ("Cheung",), "Lau": ("Liu",), "Liu": ("Lau",), "Wong": ("Huang", "Wang"), "Ng": ("Wu",),
}  # fmt: skip


def _prefixed_variants() -> dict[str, tuple[str, ...]]:
    """Al-Hassan is also recorded as Al Hassan, Alhassan, Hassan or El-Hassan: generated, so every form is keyed."""
    variants: dict[str, tuple[str, ...]] = {}
    for community in COMMUNITIES:
        if community.prefix_pool is None:
            continue
        prefixes = community.prefix_pool.names
        for name in community.surnames.names:
            for prefix in prefixes:
                bare = prefix.rstrip("-")
                others = tuple(p + name for p in prefixes if p != prefix)
                variants[prefix + name] = (f"{bare} {name}", f"{bare}{name.lower()}", name, *others)
    return variants


SPELLING_VARIANTS: Mapping[str, tuple[str, ...]] = MappingProxyType({**_prefixed_variants(), **_SPELLING_VARIANTS})
"""Name as the pools give it → other spellings agencies record it under (given names and surnames)."""


def nickname_for(rng: random.Random, given: str) -> str | None:
    """An informal form of `given` someone might be recorded under, or None if it has none."""
    forms = NICKNAMES.get(given)
    return rng.choice(forms) if forms else None


def spelling_variant(rng: random.Random, name: str) -> str | None:
    """Another spelling of `name` (or of one part of a compound like "Kowalska-Smith"), or None if it has none."""
    forms = SPELLING_VARIANTS.get(name)
    if forms:
        return rng.choice(forms)
    for separator in ("-", " "):
        if separator in name:
            parts = name.split(separator)
            varied = [index for index, part in enumerate(parts) if part in SPELLING_VARIANTS]
            if varied:
                index = rng.choice(varied)
                parts[index] = rng.choice(SPELLING_VARIANTS[parts[index]])
                return separator.join(parts)
    return None


def similar_given_name(
    rng: random.Random, community: Community, sex: Sex, avoid: str | Sequence[str], born_year: int | None = None
) -> str:
    """A different given name for a twin or sibling: often the same initial, never a nickname or spelling of `avoid`."""
    avoided = [avoid] if isinstance(avoid, str) else list(avoid)
    if not avoided:
        raise ValueError("similar_given_name needs at least one name to avoid")
    avoided_folded = {name.casefold() for name in avoided}
    blocked = {form.casefold() for name in avoided for form in _informal_forms(name)}
    pool = community.given_pool(sex, born_year)
    same_initial = pool.with_initial(avoided[0])

    def clashes(name: str) -> bool:
        """Whether `name` is an avoided name, one of its forms, or a name they are forms of (Tom → Thomas)."""
        return name.casefold() in blocked or any(form.casefold() in avoided_folded for form in _informal_forms(name))

    for _ in range(16):
        source = same_initial if same_initial is not None and rng.random() < SAME_INITIAL_RATE else pool
        name = source.pick(rng)
        if not clashes(name):
            return name
    for name in pool.names:
        if not clashes(name):
            return name
    raise ValueError(f"no given name in {community.key} avoids {avoided}")


def _informal_forms(name: str) -> tuple[str, ...]:
    return (name, *NICKNAMES.get(name, ()), *SPELLING_VARIANTS.get(name, ()))


# --- Keying errors ---------------------------------------------------------------------------------------------

_QWERTY_NEIGHBOURS: Mapping[str, str] = MappingProxyType({
    "q": "wa", "w": "qeas", "e": "wrds", "r": "etdf", "t": "ryfg", "y": "tugh", "u": "yihj", "i": "uojk",
    "o": "ipkl", "p": "ol", "a": "qwsz", "s": "awedxz", "d": "serfcx", "f": "drtgvc", "g": "ftyhbv",
    "h": "gyujnb", "j": "huikmn", "k": "jiolm", "l": "kop", "z": "asx", "x": "zsdc", "c": "xdfv", "v": "cfgb",
    "b": "vghn", "n": "bhjm", "m": "njk",
})  # fmt: skip
_TYPO_KINDS = ("substitute", "delete", "transpose", "insert")
_TYPO_CUM = (0.35, 0.6, 0.8, 1.0)


def typo(rng: random.Random, text: str) -> str:
    """One realistic keying error: a QWERTY-neighbour substitution, a dropped letter, a doubled letter, or two
    adjacent letters swapped. Always differs from `text`, keeps its case style, and never empties a word or a
    part between hyphens, apostrophes or spaces (letters are touched, separators never)."""
    letters = [index for index, char in enumerate(text) if char.isalpha()]
    if not letters:
        raise ValueError(f"no letters to mistype in {text!r}")
    kind = _TYPO_KINDS[bisect_right(_TYPO_CUM, rng.random(), 0, len(_TYPO_KINDS) - 1)]
    if kind == "substitute":
        spots = [index for index in letters if text[index].lower() in _QWERTY_NEIGHBOURS]
        if spots:
            index = rng.choice(spots)
            char = text[index]
            new = rng.choice(_QWERTY_NEIGHBOURS[char.lower()])
            return text[:index] + (new.upper() if char.isupper() else new) + text[index + 1 :]
    elif kind == "delete":
        spots = [index for index in letters if _in_long_word(text, index)]
        if spots:
            index = rng.choice(spots)
            rest = text[index + 1 :]
            starts_word = index == 0 or not text[index - 1].isalpha()
            if starts_word and text[index].isupper() and rest[:1].isalpha() and not _word_at(text, index).isupper():
                rest = rest[0].upper() + rest[1:]
            return text[:index] + rest
    elif kind == "transpose":
        spots = [
            index
            for index in letters
            if index + 1 < len(text) and text[index + 1].isalpha() and text[index].lower() != text[index + 1].lower()
        ]
        if spots:
            index = rng.choice(spots)
            first, second = text[index], text[index + 1]
            swapped = _case_like(second, first) + _case_like(first, second)
            return text[:index] + swapped + text[index + 2 :]
    index = rng.choice(letters)
    word = _word_at(text, index)
    char = text[index]
    doubled = char.upper() if word.isupper() and len(word) > 1 else char.lower()
    return text[: index + 1] + doubled + text[index + 1 :]


def _case_like(char: str, model: str) -> str:
    return char.upper() if model.isupper() else char.lower()


def _word_at(text: str, index: int) -> str:
    """The run of letters containing `index`."""
    start = index
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    end = index
    while end < len(text) and text[end].isalpha():
        end += 1
    return text[start:end]


def _in_long_word(text: str, index: int) -> bool:
    """Whether the letter at `index` has a letter beside it, so deleting it leaves its word non-empty."""
    return (index > 0 and text[index - 1].isalpha()) or (index + 1 < len(text) and text[index + 1].isalpha())
