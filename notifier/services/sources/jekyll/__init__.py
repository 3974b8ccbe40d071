"""A Jekyll site read the way Jekyll 4.3 reads it: `_config.yml`, collections, front-matter
defaults, Ruby's YAML and `Time.parse`, permalinks and slugs. Jekyll itself is the oracle in the tests."""
