# coursekit alone (sphinx-revealjs is not parallel-read-safe): the text is read in parallel.
extensions = ["coursekit"]
language = "fr"
