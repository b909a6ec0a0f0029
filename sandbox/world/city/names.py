"""Names for Northbridge's synthetic people: the city's naming communities, each with its share, pools and conventions.

This is data: the pools (most common first), the shares and the conventions as probabilities. How a
community draws a name from them is `sandbox.world.city.naming`; choosing a community, a partner's or
a mixed-heritage child's names is `sandbox.world.city.communities`.

Every name is an ordinary one in its community, and nothing here describes a real person: distinctive surnames of
well-known people are left out of the pools so that common first names cannot rebuild them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sandbox.world.city.naming import Community, Conventions, place_name_surnames

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


_POLISH_ENDINGS = (("dzki", "dzka"), ("cki", "cka"), ("ski", "ska"))

COMMUNITIES: tuple[Community, ...] = (
    Community.zipf(
        "white_british", "White British", 65.0, _WB_FEMALE, _WB_MALE,
        _WB_SURNAMES + place_name_surnames(_TAIL_STEMS, _TAIL_ENDINGS, _WB_SURNAMES),
        Conventions(second_given=0.6, third_given=0.08, double_surname=0.01, outpartnering=0.06),
        older_female=_WB_OLDER_FEMALE, older_male=_WB_OLDER_MALE, given_offset=8.0, surname_offset=10.0,
    ),
    Community.zipf(
        "irish", "Irish", 1.5, _IRISH_FEMALE, _IRISH_MALE, _IRISH_SURNAMES,
        Conventions(second_given=0.55, third_given=0.1, double_surname=0.005, outpartnering=0.5),
    ),
    Community.zipf(
        "polish", "Polish / Eastern European", 4.0, _POLISH_FEMALE, _POLISH_MALE, _POLISH_SURNAMES,
        Conventions(second_given=0.25, third_given=0.02, double_surname=0.04, feminine_endings=_POLISH_ENDINGS,
                    outpartnering=0.15),
        surname_offset=4.0,
    ),
    Community.zipf(
        "romanian", "Romanian", 2.0, _ROMANIAN_FEMALE, _ROMANIAN_MALE, _ROMANIAN_SURNAMES,
        Conventions(second_given=0.35, third_given=0.03, outpartnering=0.1),
    ),
    Community.zipf(
        "other_european", "Other European", 2.0, _EUROPEAN_FEMALE, _EUROPEAN_MALE, _EUROPEAN_SURNAMES,
        Conventions(second_given=0.4, third_given=0.05, double_surname=0.12, surname_joiner=" ", outpartnering=0.45),
    ),
    Community.zipf(
        "pakistani", "Pakistani", 7.0, _PAKISTANI_FEMALE, _PAKISTANI_MALE, _PAKISTANI_SURNAMES,
        Conventions(second_given=0.55, third_given=0.05, leading_male_name="Muhammad", leading_male_prob=0.25,
                    female_surnames=("Bibi", "Begum", "Akhtar", "Kausar"), female_surname_prob=0.15,
                    child_female_surname_prob=0.03, fresh_child_surname=0.05, outpartnering=0.05),
    ),
    Community.zipf(
        "indian", "Indian", 3.0, _INDIAN_FEMALE, _INDIAN_MALE, _INDIAN_SURNAMES,
        Conventions(second_given=0.35, third_given=0.05, outpartnering=0.12),
        surname_offset=1.5,
    ),
    Community.zipf(
        "indian_sikh", "Indian (Sikh)", 1.5, _SIKH_FEMALE, _SIKH_MALE, _SIKH_SURNAMES,
        Conventions(second_given=0.1, third_given=0.0, sex_markers=("Kaur", "Singh"), marker_middle=0.5,
                    marker_surname=0.3, outpartnering=0.08),
    ),
    Community.zipf(
        "bangladeshi", "Bangladeshi", 3.0, _BANGLADESHI_FEMALE, _BANGLADESHI_MALE, _BANGLADESHI_SURNAMES,
        Conventions(second_given=0.6, third_given=0.05, leading_male_name="Mohammed", leading_male_prob=0.2,
                    female_surnames=("Begum", "Khatun", "Bibi", "Akter", "Khanom"), female_surname_prob=0.4,
                    child_female_surname_prob=0.1, fresh_child_surname=0.2, outpartnering=0.04),
        surname_offset=2.0,
    ),
    Community.zipf(
        "somali", "Somali", 1.5, _SOMALI_FEMALE, _SOMALI_MALE, _SOMALI_SURNAMES,
        Conventions(second_given=0.55, third_given=0.15, patronymic=0.7, patronymic_middle=True,
                    outpartnering=0.05),
        given_offset=2.0, surname_offset=2.0,
    ),
    Community.zipf(
        "nigerian", "Nigerian (Yoruba and Igbo)", 2.5, _NIGERIAN_FEMALE, _NIGERIAN_MALE, _NIGERIAN_SURNAMES,
        Conventions(second_given=0.65, third_given=0.15, double_surname=0.01, outpartnering=0.15),
        given_offset=6.0, surname_offset=6.0,
    ),
    Community.zipf(
        "ghanaian", "Ghanaian", 1.0, _GHANAIAN_FEMALE, _GHANAIAN_MALE, _GHANAIAN_SURNAMES,
        Conventions(second_given=0.6, third_given=0.1, outpartnering=0.2),
    ),
    Community.zipf(
        "black_caribbean", "Black Caribbean", 2.0, _CARIBBEAN_FEMALE, _CARIBBEAN_MALE, _CARIBBEAN_SURNAMES,
        Conventions(second_given=0.6, third_given=0.05, double_surname=0.02, outpartnering=0.45),
        given_offset=6.0, surname_offset=5.0,
    ),
    Community.zipf(
        "chinese", "Chinese", 1.5, _CHINESE_FEMALE, _CHINESE_MALE, _CHINESE_SURNAMES,
        Conventions(second_given=0.3, third_given=0.05, family_name_first=0.2, outpartnering=0.3),
        surname_offset=2.0,
    ),
    Community.zipf(
        "arab", "Arab", 1.5, _ARAB_FEMALE, _ARAB_MALE, _ARAB_SURNAMES,
        Conventions(second_given=0.4, third_given=0.1, patronymic_middle=True, surname_prefixes=("Al-", "El-"),
                    prefix_prob=0.3, outpartnering=0.2),
    ),
    Community.zipf(
        "turkish_kurdish", "Turkish and Kurdish", 1.0, _TURKISH_FEMALE, _TURKISH_MALE, _TURKISH_SURNAMES,
        Conventions(second_given=0.2, third_given=0.02, outpartnering=0.2),
    ),
)  # fmt: skip
"""Northbridge's naming communities; `share` is a percentage of the population (they sum to 100)."""

COMMUNITY_BY_KEY: Mapping[str, Community] = MappingProxyType({community.key: community for community in COMMUNITIES})
