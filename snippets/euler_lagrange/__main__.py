from snippets._cli import run_topic

run_topic(__file__)
