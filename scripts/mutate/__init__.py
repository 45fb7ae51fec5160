"""`make mutate`: how many deliberate errors in each snippet's mathematics its claim
tests catch. Outside the engine: it only reads the snippets and tests, and runs
them in processes of its own (sites.py finds the changes, execute.py runs one,
campaign.py runs them all and keeps the results)."""
