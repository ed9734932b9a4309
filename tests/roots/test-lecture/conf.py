extensions = ["sphinx_revealjs", "coursekit"]
language = "fr"
# As the course's deck: the lecture hall's light, high-contrast theme.
revealjs_style_theme = "white-contrast"
revealjs_use_section_ids = True
revealjs_script_conf = {"hash": True, "transition": "none"}
