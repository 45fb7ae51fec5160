"""The articles' code: one folder per article (topic), one module per experiment."""
