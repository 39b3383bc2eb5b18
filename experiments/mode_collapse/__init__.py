"""Unrolled GAN against a standard GAN on ring8 and grid25 (PacGAN protocol)."""
