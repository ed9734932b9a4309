extensions = ["sphinx_revealjs", "coursekit"]
language = "fr"
# Each block fails on its own: every failure is checked, none stops the others.
coursekit_execution = "isolated"
