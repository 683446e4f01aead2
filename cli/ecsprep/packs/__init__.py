"""Content packs: the model, loading and checking, the cache, export."""

# The pack file format this ecsprep reads (`format:` in every pack). Here rather than in
# `schema` so that the cache key can name it without importing the format's tables.
FORMAT_VERSION = 1
