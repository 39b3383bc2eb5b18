"""FID, KID, precision/recall and density/coverage along a dcgan_mnist run; gan_ring8 modes."""
