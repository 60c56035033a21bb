"""A rooftop's setup as files: flows, feeds and the whole setup exported, checked against
this computer and imported — how a dealer group copies one store to the next."""
