"""jaxgen's FID, KID, IS, precision/recall and density/coverage beside the reference codes."""
