extensions = ["sphinx_revealjs", "coursekit"]
language = "fr"
