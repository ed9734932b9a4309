"""A figure script with a bug."""

raise ValueError("la courbe n'existe pas")
