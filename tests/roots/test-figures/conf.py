extensions = ["sphinx_revealjs", "coursekit"]
language = "fr"
revealjs_use_section_ids = True
# Two figures drawn at once: the first waits for the second page to be read.
coursekit_workers = 2
