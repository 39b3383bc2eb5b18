"""DCGAN §6.1, §6.3.2 and §5.1 on dcgan_mnist: latent walks, vector arithmetic, a linear probe."""
