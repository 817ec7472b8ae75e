"""The portal's pages, one module per group of paths."""
