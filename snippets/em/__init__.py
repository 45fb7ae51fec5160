"""The EM algorithm: snippets for docs/posts/em.md."""
