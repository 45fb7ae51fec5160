"""Noise-contrastive estimation: snippets for docs/posts/nce.md."""
