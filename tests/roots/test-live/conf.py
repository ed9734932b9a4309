extensions = ["sphinx_revealjs", "coursekit"]
language = "fr"
revealjs_use_section_ids = True
revealjs_script_conf = {"hash": True, "transition": "none"}
