"""f-VAE: a VAE whose posterior is a conditional flow; snippets for docs/posts/f-vae.md."""
