"""Every update rule on the gan_ring8 GAN at an equal number of gradient evaluations."""
