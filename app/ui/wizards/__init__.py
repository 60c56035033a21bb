"""The new-flow and new-feed wizards."""
