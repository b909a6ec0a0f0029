"""How records garble names, as data: the informal forms and the other spellings agencies record a name under.

`NICKNAMES` maps a canonical given name to its informal forms; `SPELLING_VARIANTS` maps a name as the
pools give it to other spellings (given names and surnames, prefixed surnames generated from the
communities' pools). The draws against them are `sandbox.world.city.garbling`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sandbox.world.city.names import COMMUNITIES

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
