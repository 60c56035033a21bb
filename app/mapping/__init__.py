"""Field mappings: ordered rules ``target <- transform chain(source fields)`` applied
vectorised to pandas frames. Pure data logic, no I/O."""

from app.mapping.apply import MappingResult, RowError, apply_mapping
from app.mapping.model import Mapping, Rule, Step

__all__ = ["Mapping", "MappingResult", "RowError", "Rule", "Step", "apply_mapping"]
