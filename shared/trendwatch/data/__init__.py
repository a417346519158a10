"""Data files shipped with the package (the retail taxonomy, the sentiment lexicon, the slang list)."""
