# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# Notebook de la page `docs/guide_auteur.rst` : exécutez ses cellules dans l’ordre.

# %%
# docs/guide_auteur.rst:394
print(2 + 2)

# %%
# docs/guide_auteur.rst:433
print(sum(range(1000)))

# %%
# docs/guide_auteur.rst:453
print(1 / 0)

# %%
# docs/guide_auteur.rst:566
print(3 * 7)
