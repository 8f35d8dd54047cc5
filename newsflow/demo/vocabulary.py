"""Word lists for the generated news pages (:mod:`newsflow.demo.newsgen`).

Names of people are invented combinations of common given names and surnames
from many languages; companies and newspapers are invented; institutions,
cities and countries are real, so that entity recognition has real work.
Sentence templates use ``{slots}`` filled by the generator.
"""

from __future__ import annotations

GIVEN = [
    "Maria", "James", "Aiko", "Omar", "Lena", "Pedro", "Grace", "Ivan", "Nadia", "Tomas",
    "Chen", "Fatima", "Lukas", "Amara", "Daniel", "Sofia", "Kwame", "Ingrid", "Rahul", "Elena",
    "Mateo", "Yuki", "Hassan", "Claire", "Bogdan", "Priya", "Samuel", "Leila", "Anders",
    "Beatriz", "Tariq", "Hannah", "Jonas", "Mei", "Olumide", "Katarzyna", "Diego", "Sarah",
    "Viktor", "Aisha", "Patrick", "Noor", "Henrik", "Lucia", "Emeka", "Rosa", "Felix", "Zainab",
    "Marco", "Ana", "Dmitri", "Julia", "Kofi", "Camille", "Arjun", "Greta", "Rafael", "Esther",
]
SURNAMES = [
    "Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Kowalski", "Silva", "Brennan",
    "Novak", "Achebe", "Varga", "Castillo", "Petrov", "Whitfield", "Ramos", "Keller",
    "Mensah", "Johansson", "Dubois", "Nakamura", "Rahman", "Fischer", "Oliveira", "Gallagher",
    "Horvath", "Adeyemi", "Jensen", "Marchetti", "Kapoor", "Schmidt", "Navarro", "Osei",
    "Bergström", "Lefebvre", "Suzuki", "Karimi", "Wagner", "Pereira", "Doyle", "Szabo",
    "Nwosu", "Hansen", "Romano", "Mehta", "Becker", "Ortega", "Boateng", "Nilsson", "Laurent",
    "Watanabe", "Aziz", "Hoffmann", "Costa", "Kavanagh", "Toth", "Eze", "Larsen", "Ricci",
]
# Invented companies, with the sector each belongs to.
COMPANIES = {
    "business": ["Halvorsen Maritime", "Brightwater Capital", "Orsino Foods", "Calder & Voss",
                 "Meridian Freight", "Vantor Retail", "Sable Insurance", "Northgate Holdings"],
    "technology": ["Quillon Labs", "Aperture Nine", "Solvane Networks", "Tessellate AI",
                   "Corvid Semiconductors", "Lumen Arc", "Parallax Cloud", "Ferrow Robotics"],
    "energy": ["Brightwater Energy", "Helio Grid", "Tidewell Power", "Ostrava Gas",
               "Caldera Renewables", "Norrland Wind"],
    "health": ["Aventis Medical", "Corbel Pharma", "Sanamed Clinics", "Lyra Biologics"],
    "transport": ["Skyreach Airlines", "Iberline Rail", "Harbourlink Ferries", "Trans-Alpine Bus"],
}
INSTITUTIONS = [
    "the World Health Organization", "the European Central Bank", "the United Nations",
    "the International Monetary Fund", "the World Bank", "the Red Cross", "the Bank of England",
    "the European Commission", "the African Union", "Nato", "the Federal Reserve",
    "the World Trade Organization", "Unesco", "the International Energy Agency",
    "the Organisation for Economic Co-operation and Development", "Amnesty International",
    "Greenpeace", "the International Olympic Committee", "Fifa", "the Bank of Japan",
]
# City, country.
PLACES = [
    ("Berlin", "Germany"), ("Nairobi", "Kenya"), ("Lisbon", "Portugal"), ("Toronto", "Canada"),
    ("Jakarta", "Indonesia"), ("Santiago", "Chile"), ("Oslo", "Norway"), ("Mombasa", "Kenya"),
    ("Hanoi", "Vietnam"), ("Madrid", "Spain"), ("Cairo", "Egypt"), ("Lima", "Peru"),
    ("Manila", "the Philippines"), ("Warsaw", "Poland"), ("Sydney", "Australia"),
    ("Monterrey", "Mexico"), ("Accra", "Ghana"), ("Lagos", "Nigeria"), ("Osaka", "Japan"),
    ("Mumbai", "India"), ("Rotterdam", "the Netherlands"), ("Gothenburg", "Sweden"),
    ("Lyon", "France"), ("Naples", "Italy"), ("Krakow", "Poland"), ("Porto", "Portugal"),
    ("Seville", "Spain"), ("Dublin", "Ireland"), ("Glasgow", "Scotland"), ("Vienna", "Austria"),
    ("Budapest", "Hungary"), ("Athens", "Greece"), ("Istanbul", "Turkey"), ("Dakar", "Senegal"),
    ("Addis Ababa", "Ethiopia"), ("Casablanca", "Morocco"), ("Bogota", "Colombia"),
    ("Quito", "Ecuador"), ("Montevideo", "Uruguay"), ("Vancouver", "Canada"),
    ("Chicago", "the United States"), ("Houston", "the United States"), ("Seoul", "South Korea"),
    ("Busan", "South Korea"), ("Taipei", "Taiwan"), ("Bangkok", "Thailand"),
    ("Auckland", "New Zealand"), ("Perth", "Australia"), ("Helsinki", "Finland"),
    ("Tallinn", "Estonia"), ("Bucharest", "Romania"), ("Sofia", "Bulgaria"),
    ("Zagreb", "Croatia"), ("Kampala", "Uganda"), ("Kigali", "Rwanda"), ("Durban", "South Africa"),
]
ROLES = [
    "chief executive", "finance minister", "spokesperson", "mayor", "senior analyst",
    "union leader", "professor of economics", "head of research", "health minister",
    "chief economist", "coach", "director", "board member", "regional governor",
    "opposition leader", "chief operating officer", "project manager", "lead negotiator",
    "founder", "chair", "deputy mayor", "energy minister", "transport secretary",
]

# Per section: what the stories are about (noun phrases), and what happens to them.
SECTIONS = {
    "business": {
        "subjects": ["the merger", "the takeover bid", "quarterly earnings", "the bond sale",
                     "the restructuring plan", "the wage agreement", "the share buyback",
                     "the new warehouse network", "the pension reform", "the export deal"],
        "events": ["was approved by shareholders", "ran into fresh opposition",
                   "was delayed again", "beat analysts' forecasts", "drew a formal complaint",
                   "was cut back sharply", "won the backing of regulators"],
    },
    "technology": {
        "subjects": ["the chip factory", "the data centre", "the satellite launch",
                     "the privacy ruling", "the software update", "the broadband rollout",
                     "the cloud contract", "the robotics trial", "the security breach"],
        "events": ["was paused after a fault", "passed its first public test",
                   "triggered an investigation", "was rolled out nationwide",
                   "cost more than planned", "was welcomed by engineers"],
    },
    "environment": {
        "subjects": ["the flood defences", "the water rationing plan", "the coal phase-out",
                     "the wind farm", "the reforestation scheme", "the emissions target",
                     "the river clean-up", "the heatwave response", "the fishing quota"],
        "events": ["was tightened after record temperatures", "fell behind schedule",
                   "was challenged in court", "received new funding",
                   "was praised by scientists", "divided local farmers"],
    },
    "politics": {
        "subjects": ["the budget vote", "the coalition talks", "the housing reform",
                     "the election campaign", "the border agreement", "the tax bill",
                     "the constitutional review", "the no-confidence motion"],
        "events": ["collapsed late at night", "passed by a narrow margin",
                   "was sent back to committee", "prompted street protests",
                   "won cross-party support", "was postponed indefinitely"],
    },
    "health": {
        "subjects": ["the vaccine rollout", "the hospital expansion", "the nurses' strike",
                     "the screening programme", "the drug trial", "the waiting-list plan",
                     "the mental health service"],
        "events": ["reached its first milestone", "was extended to rural areas",
                   "was suspended pending review", "showed encouraging results",
                   "ran short of staff", "was funded for another year"],
    },
    "transport": {
        "subjects": ["the rail strike", "the port expansion", "the airport runway",
                     "the metro line", "the bridge repair", "the bus franchise",
                     "the high-speed link", "the fuel price cap"],
        "events": ["halted services across the region", "opened to the public",
                   "was redesigned after complaints", "went over budget",
                   "was handed to a new operator", "ended after long negotiations"],
    },
    "sport": {
        "subjects": ["the championship final", "the stadium project", "the transfer deal",
                     "the doping inquiry", "the marathon", "the league restructuring",
                     "the Olympic bid"],
        "events": ["ended in a dramatic comeback", "was moved to a new venue",
                   "was confirmed after weeks of talks", "drew a record crowd",
                   "was overshadowed by injuries", "was cleared by the federation"],
    },
    "culture": {
        "subjects": ["the film festival", "the museum reopening", "the opera season",
                     "the book prize", "the music festival", "the heritage listing",
                     "the art auction"],
        "events": ["sold out within hours", "was cancelled because of storms",
                   "attracted visitors from abroad", "was funded by a private donor",
                   "divided the critics", "returned after a long pause"],
    },
}

HEADLINES = [
    "{Subject} {event} in {city}",
    "{org} says {subject} {event}",
    "{city}: {subject} {event}, {last} says",
    "{last} defends {subject} as {country} waits",
    "Why {subject} in {city} matters for {country}",
    "{Subject} {event} after talks with {org}",
    "{org} and {org2} clash over {subject}",
    "{Subject} in {country}: what we know so far",
]
STANDFIRSTS = [
    "{Subject} in {city} {event}, {org} said on {weekday}, {consequence}.",
    "{full}, the {role} of {org}, said {subject} {event} {when_past}.",
    "Officials in {country} expect {subject} to be settled {when_future}, after it {event}.",
]
CONSEQUENCES = [
    "leaving thousands of residents uncertain", "raising questions about the cost",
    "the latest setback for the government", "a rare piece of good news for the region",
    "putting pressure on suppliers", "a decision that could take months to unwind",
]

# Paragraph kinds; each is a pool of sentences. Slots: {full} (a person's full name on first
# mention), {last} (a surname), {role}, {org}, {org2}, {city}, {country}, {subject}, {event},
# {when_past}, {when_future}, {weekday}, {duration}, {time}, {money}, {percent}, {number},
# {year_past}, {consequence}.
LEAD = [
    "{Subject} in {city} {event} {when_past}, {consequence}.",
    "{org} confirmed {when_past} that {subject} {event}, ending {duration} of uncertainty.",
    "Authorities in {country} said on {weekday} that {subject} {event}.",
    "{Subject} {event} {when_past}, according to documents seen by this newspaper.",
]
QUOTES = [
    "\u201cWe have been clear from the start,\u201d said {full}, {role} at {org}. "
    "\u201cThis was never going to be quick, but it has to be done properly.\u201d",
    "\u201cNobody expected it to move this fast,\u201d {full} told reporters in {city} {when_past}.",
    "{full}, who has worked on the file for {duration}, said the decision was "
    "\u201clong overdue\u201d and called on {org} to publish its figures.",
    "Speaking at a press conference at {time}, {full} said the {role}'s office would "
    "review the matter {when_future}.",
    "\u201cThe numbers speak for themselves,\u201d {last} said. \u201cWe are at {percent} of "
    "where we planned to be, and the rest will follow.\u201d",
    "{last} declined to comment on the timetable but said talks with {org2} would "
    "resume {when_future}.",
]
BACKGROUND = [
    "The plan was first proposed on {date_past} and has been revised several times since.",
    "It is the {ordinal} time since {year_past} that {subject} has come before {org}.",
    "Critics point out that a similar project in {city2} was abandoned {when_past} after "
    "costs rose by {percent}.",
    "In {year_past}, {org} warned that {country} would need {money} to meet its targets.",
    "The dispute goes back {duration}, when {org2} first raised concerns about funding.",
    "{full}, a former {role}, recalled that the last attempt ran from {date_past} until "
    "the money ran out {duration} later.",
    "Records show that {number} similar cases were filed in {country} between {year_past} "
    "and last year.",
]
FIGURES = [
    "The project is expected to cost {money} over {duration}, with {percent} coming from "
    "public funds.",
    "About {number} people are directly affected, according to estimates published "
    "{when_past} by {org}.",
    "Prices in {city} rose {percent} in the year to {month}, the fastest pace since {year_past}.",
    "The company employs {number} people in {country} and reported revenue of {money} last year.",
    "Turnout reached {percent}, well above the {percent2} recorded in {year_past}.",
    "Officials said {money} had already been spent, and a further {money2} was requested "
    "{when_past}.",
]
REACTION = [
    "In {city2}, {full}, the {role} of {org2}, said the announcement came as a surprise.",
    "Residents gathered outside the town hall on {weekday} evening, some carrying banners.",
    "{org2} said it was studying the details and would respond {when_future}.",
    "Opposition politicians in {country} called for an independent review, while "
    "{full} of {org} urged patience.",
    "Analysts at {org2} said the move had been widely expected since {date_past}.",
    "Local business owners said the uncertainty of the past {duration} had cost them dearly.",
]
OUTLOOK = [
    "A final decision is expected {when_future}, and a public hearing is scheduled for {date_future}.",
    "The next round of talks will take place in {city2} {when_future}.",
    "{org} is due to publish its review on {date_future}, {duration} later than planned.",
    "If approved, work would begin {when_future} and last {duration}.",
    "{last} said the first results should be visible by {date_future}.",
    "The deadline for objections is {time} on {date_future}.",
]
PARAGRAPH_PLAN = ["lead", "quote", "background", "figures", "quote", "reaction", "background",
                  "figures", "quote", "reaction", "outlook"]

# What readers write under the article.
COMMENTS = [
    "I live in {city} and nobody here was consulted. Typical.",
    "Good reporting, but the article leaves out what happened in {year_past}.",
    "This has been dragging on for {duration}. Just get on with it.",
    "Does anyone know where the {money} figure comes from? It seems very high.",
    "My brother works for {org} and says the real story is very different.",
    "Finally some sense. {last} is right about this one.",
    "Same thing happened in {city2} and it was a disaster. Learn from it.",
    "Who is paying for all of this? Not the people who decided it, that's for sure.",
    "Interesting read, thanks. Would love a follow-up in a few months.",
    "The comments here are depressing. The plan is sensible if you read it properly.",
    "I remember when this was first announced. Nothing has changed since.",
    "Why is {country} always last to do these things?",
]
COMMENT_NAMES = [
    "river_walker", "oldtimer62", "mkessler", "blue_harbour", "quietreader", "tomfromthenorth",
    "skeptic_in_chief", "ana.b", "notanexpert", "coffee_first", "longtime_subscriber",
    "j.ortega", "weekend_cyclist", "grumpy_gardener", "facts_please", "saltmarsh",
]
NAV_LINKS = {
    "News": ["World", "Europe", "Africa", "Americas", "Asia", "Middle East", "Local",
             "Fact check", "Live", "Weather"],
    "Business": ["Markets", "Companies", "Economy", "Personal finance", "Work", "Property",
                 "Energy", "Media"],
    "Technology": ["Gadgets", "Science", "Space", "Internet", "Security", "Start-ups"],
    "Sport": ["Football", "Tennis", "Cycling", "Athletics", "Rugby", "Cricket", "Basketball",
              "Motor racing", "Results"],
    "Culture": ["Film", "Music", "Books", "Art", "Stage", "Television", "Food", "Travel"],
    "Opinion": ["Columnists", "Editorials", "Letters", "Cartoons"],
}
FOOTER_LINKS = ["About us", "Contact", "Careers", "Advertise", "Privacy policy", "Cookie policy",
                "Terms of use", "Accessibility", "Corrections", "Newsletters", "Podcasts",
                "Archive", "Sitemap", "RSS feeds", "Help centre", "Subscribe", "Gift a subscription",
                "Student offer", "Events", "Licensing"]
PAPERS = ["The Harbour Courier", "Northern Ledger", "The Daily Meridian", "Valley Herald",
          "The Evening Lantern", "Coastal Tribune"]
