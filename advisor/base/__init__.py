"""What every phase uses: errors, JSON and YAML files, bounded memos, where the data files are, the start-up cache."""
