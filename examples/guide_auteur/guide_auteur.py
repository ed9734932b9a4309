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
# docs/guide_auteur.rst:395
x = 2 + 2
print(x)

# %%
# docs/guide_auteur.rst:435
print(sum(range(1000)))

# %%
# docs/guide_auteur.rst:455
print(1 / 0)


# %%
# docs/guide_auteur.rst:545
# !pip install tqdm

# %%
# docs/guide_auteur.rst:549
def entrainer(modele):
    for epoch in range(...):
        loss = # TODO : la loss de cette epoch


# %%
# docs/guide_auteur.rst:576
notes = [12, 15, 9, 17]
moyenne = sum(notes) / len(notes)

# %%
# docs/guide_auteur.rst:651
print(3 * 7)
