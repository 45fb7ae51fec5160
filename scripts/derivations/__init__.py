"""The engine of Runnable Derivations.

Snippets run once per content hash (runner, cache, worker); their results feed
the claim references in the prose (claims, references, lint) and the claim
tests (pytest_plugin). mkdocs_hooks.py and mkdocs_speedups.py are the only files that know MkDocs.
"""
