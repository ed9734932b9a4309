from pathlib import Path

extensions = ["myst_nb", "coursekit"]
language = "fr"
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
nb_execution_mode = "cache"
nb_execution_cache_path = str(Path(__file__).parent / "_cache" / "jupyter")
nb_execution_raise_on_error = True
coursekit_cache_dir = str(Path(__file__).parent / "_cache" / "programs")
coursekit_preload = ["numpy"]
coursekit_workers = 2
