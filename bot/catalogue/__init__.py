"""The course catalogue: partners, courses and sessions, their queries and the importer."""

TOPICS = (
    "web_development",
    "data_ai",
    "cybersecurity",
    "digital_marketing",
    "cloud",
    "graphic_design",
    "digital_basics",
)
FORMATS = ("on_site", "online", "blended")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
