"""`python -m bench`: the performance figures of issue 5 (see bench/__main__.py)."""
