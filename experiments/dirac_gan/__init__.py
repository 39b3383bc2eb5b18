"""Dirac-GAN convergence table and figures (Mescheder, Geiger & Nowozin 2018)."""
