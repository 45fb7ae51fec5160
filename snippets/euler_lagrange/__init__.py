"""The Euler–Lagrange equation: snippets for docs/posts/euler-lagrange.md."""
