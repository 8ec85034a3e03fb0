"""Helpers of the review cog (``cluster/cogs/review.py``): the review post's embed and the reviewer's
permissions as the api needs them."""
