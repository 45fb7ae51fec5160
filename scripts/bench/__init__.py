"""`make bench`: the author's loop and the reader's first view, measured.

Seven figures, each a median or a ratio from one run, printed as one JSON object
on the last line (`python -m scripts.bench`); progress goes to stderr. See
README.md ("Performance") for the budgets.
"""
