# A course in English: coursekit's page furniture follows the language.
extensions = ["sphinx_revealjs", "coursekit"]
language = "en"
