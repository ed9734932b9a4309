extensions = ["sphinx_revealjs", "coursekit"]
language = "fr"
revealjs_use_section_ids = True
revealjs_script_plugins = [
    {"name": "RevealNotes", "src": "revealjs/plugin/notes/notes.js"},
]
