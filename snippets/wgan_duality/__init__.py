"""Wasserstein-1 and Kantorovich–Rubinstein duality: snippets for docs/posts/wgan-duality.md."""
