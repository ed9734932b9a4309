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
# Notebook de la page `docs/chap2_perceptron.rst` : exécutez ses cellules dans l’ordre.

# %%
# docs/chap2_perceptron.rst:144
import torch
import torch.nn as nn

torch.manual_seed(0)  # même initialisation à chaque exécution

# Données ET
X = torch.tensor([[0,0],[0,1],[1,0],[1,1]], dtype=torch.float32)
y = torch.tensor([[0],[0],[0],[1]], dtype=torch.float32)

# Modèle linéaire (perceptron)
model = nn.Linear(2, 1, bias=True)

# Loss function et optimiseur
loss_fc = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

# Entraînement
for _ in range(500):
    optimizer.zero_grad()
    loss = loss_fc(model(X), y)
    loss.backward()
    optimizer.step()

# Résultat
with torch.no_grad():
    sorties = model(X)
    print("Sorties brutes :", sorties.squeeze().round(decimals=2))
    print("Classes prédites :", (sorties.squeeze() > 0.5).float())
    print(model.weight, model.bias)

# %%
# docs/chap2_perceptron.rst:253
import torch
import torch.nn as nn

# Données ET
X = torch.tensor([[0,0],[0,1],[1,0],[1,1]], dtype=torch.float32)
y = torch.tensor([[0],[0],[0],[1]], dtype=torch.float32)

# --- Cas 1 : Perceptron sans activation ---
linear = nn.Linear(2, 1, bias=True)
with torch.no_grad():
    linear.weight[:] = torch.tensor([[1., 1.]])  # w1=1, w2=1
    linear.bias[:] = torch.tensor([-1.5])        # b=-1.5

z = linear(X)  # sortie brute
print("Sorties sans activation :")
print(z)

# --- Cas 2 : Perceptron avec sigmoïde ---
sigmoid = nn.Sigmoid()
y_hat = sigmoid(z)
print("\nSorties avec sigmoïde :")
print(y_hat)

# %%
# docs/chap2_perceptron.rst:343
import torch
X = torch.tensor([[1., 50.],[2., 60.],[3., 55.]])
X_min = X.min(dim=0).values
X_max = X.max(dim=0).values
X_norm = (X - X_min) / (X_max - X_min)
print(X_norm)

# %%
# docs/chap2_perceptron.rst:371
import torch
import torch.nn as nn

X = torch.tensor([[1., 50.],[2., 60.],[3., 55.]], dtype=torch.float32)

# Standardisation "manuelle"
X_mean = X.mean(dim=0)
X_std = X.std(dim=0)
X_stdized = (X - X_mean) / X_std
print("Standardisation manuelle :")
print(X_stdized)

# Standardisation avec BatchNorm1d
batchnorm = nn.BatchNorm1d(num_features=2, affine=False)
X_stdized_bn = batchnorm(X)
print("\nStandardisation avec BatchNorm1d :")
print(X_stdized_bn)

# %%
# docs/chap2_perceptron.rst:466
import torch.nn as nn

model = nn.Sequential(
    nn.Linear(1, 10),   # couche d'entrée 1D -> première couche cachée 10 neurones
    nn.ReLU(),           # activation non linéaire
    nn.Linear(10, 5),    # deuxième couche cachée avec 5 neurones
    nn.ReLU(),           # activation non linéaire
    nn.Linear(5, 1)      # couche de sortie 1D
)

# %%
# docs/chap2_perceptron.rst:497
import torch
import torch.nn as nn

class SimpleMLP(nn.Module):
    def __init__(self):
        super(SimpleMLP, self).__init__()
        self.fc1 = nn.Linear(1, 10)   # première couche cachée
        self.fc2 = nn.Linear(10, 5)   # deuxième couche cachée
        self.fc3 = nn.Linear(5, 1)    # couche de sortie
        self.relu = nn.ReLU()         # fonction d'activation

    def forward(self, x):
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        x = self.fc3(x)
        return x

# Création d'une instance du modèle
model = SimpleMLP()

# %%
# docs/chap2_perceptron.rst:538
import torch
import torch.nn as nn
import torch.optim as optim
import matplotlib.pyplot as plt

torch.manual_seed(0)  # même initialisation à chaque exécution

# Données XOR
X = torch.tensor([[0,0],[0,1],[1,0],[1,1]], dtype=torch.float32)
y = torch.tensor([[0],[1],[1],[0]], dtype=torch.float32)

# Définition du MLP avec une classe
class XORMLP(nn.Module):
    def __init__(self):
        super(XORMLP, self).__init__()
        self.fc1 = nn.Linear(2, 4)  # couche cachée 1
        self.fc2 = nn.Linear(4, 1)  # couche de sortie
        self.activation = nn.ReLU()
        self.out_activation = nn.Sigmoid()

    def forward(self, x):
        x = self.activation(self.fc1(x))
        x = self.out_activation(self.fc2(x))
        return x

# Création du modèle
model = XORMLP()

# Optimiseur et fonction de perte : l'entropie croisée binaire (BCE),
# la loss des problèmes de classification binaire à sortie sigmoïde
optimizer = optim.Adam(model.parameters(), lr=0.05)
fc_loss = nn.BCELoss()

# Entraînement
for epoch in range(5000):
    y_pred = model(X)
    loss = fc_loss(y_pred, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

# Vérification numérique
with torch.no_grad():
    y_pred_train = model(X)
    y_class = (y_pred_train > 0.5).float()
    print("Prédictions (probabilités) :\n", y_pred_train)
    print("Classes prédites :\n", y_class)
    print("Classes réelles :\n", y)
    correct = (y_class == y).all()
    print("Toutes les prédictions sont correctes :", correct)

# Affichage de la frontière de décision
xx, yy = torch.meshgrid(torch.linspace(-0.5, 1.5, 200),
                        torch.linspace(-0.5, 1.5, 200), indexing="ij")
grid = torch.cat([xx.reshape(-1,1), yy.reshape(-1,1)], dim=1)
with torch.no_grad():
    zz = model(grid).reshape(xx.shape)

# Mêmes couleurs que les points : bleu pour la classe 0, rouge pour la classe 1
plt.contourf(xx, yy, zz, levels=[0,0.5,1], alpha=0.3, colors=["blue","red"])
plt.scatter(X[:,0], X[:,1], c=y[:,0], cmap="bwr", edgecolors="k", s=100)
plt.title("Frontière de décision XOR avec MLP en classe")
plt.xlabel("x1")
plt.ylabel("x2")
plt.show()

# %%
# docs/chap2_perceptron.rst:621
import torch
import torch.nn as nn
import torch.optim as optim
import matplotlib.pyplot as plt

torch.manual_seed(0)  # même initialisation à chaque exécution

# Données
X = torch.tensor([[0.],[10.],[20.],[30.],[40.],[50.]])
y = 2*X + 1 # relation linéaire exacte
# y = 2*X + 1 + torch.randn_like(X)*5  # relation linéaire, sorties bruitées

# Standardisation
X_mean, X_std = X.mean(), X.std()
X_stdized = (X - X_mean)/X_std

# Modèle simple
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(1, 5),
            nn.ReLU(),
            nn.Linear(5,1)
        )
    def forward(self, x):
        return self.net(x)

# Modèles
model_no_std = MLP()
model_std = MLP()

# Optimiseur : le même taux d'apprentissage pour les deux modèles
optimizer_no_std = optim.SGD(model_no_std.parameters(), lr=0.01)
optimizer_std = optim.SGD(model_std.parameters(), lr=0.01)

# Entraînement
for _ in range(5000):
    # Sans standardisation
    pred_no_std = model_no_std(X)
    loss_no_std = ((pred_no_std - y)**2).mean()
    optimizer_no_std.zero_grad()
    loss_no_std.backward()
    optimizer_no_std.step()

    # Avec standardisation
    pred_std = model_std(X_stdized)
    loss_std = ((pred_std - y)**2).mean()
    optimizer_std.zero_grad()
    loss_std.backward()
    optimizer_std.step()

# Test des prédictions
X_test = torch.tensor([[0.],[60.]])
X_test_std = (X_test - X_mean)/X_std

with torch.no_grad():
    preds_no_std = model_no_std(X_test)
    preds_std = model_std(X_test_std)
    train_no_std = model_no_std(X)  # sur les points d'entraînement eux-mêmes

print("Prédictions finales (Sans standardisation) :", preds_no_std.squeeze().tolist())
print("Prédictions finales (Avec standardisation)  :", preds_std.squeeze().tolist())
print("Sur les points d'entraînement (Sans standardisation) :", train_no_std.squeeze().tolist())
print("Loss finale sans / avec standardisation :", loss_no_std.item(), loss_std.item())

# Visualisation
plt.scatter(X, y, color='black', label='Données')
plt.scatter(X_test, preds_no_std, color='red', label='Sans standardisation')
plt.scatter(X_test, preds_std, color='blue', label='Avec standardisation')
plt.legend()
plt.title("Impact de la standardisation sur la prédiction finale")
plt.xlabel("x")
plt.ylabel("y")
plt.show()

# %%
# docs/chap2_perceptron.rst:735
import torch

# Matrice 3x2
X = torch.tensor([[1., 2.],
                  [3., 4.],
                  [5., 6.]])

# Moyenne de chaque colonne
mean = X.mean(dim=0)  # dimension (2,)

# On soustrait la moyenne à chaque ligne
X_centered = X - mean  # broadcasting

print("X centré :", X_centered)
