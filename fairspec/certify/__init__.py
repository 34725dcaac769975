"""Certified requirements: bounds that hold on unseen data with a stated confidence.

`hard confidence c` on a requirement asks for a model whose metric meets the bound on the
population, with probability ≥ c over the draw of the training rows. `certified_fit` fits on a
candidate part of the training rows at tightened bounds and certifies on the held-out safety part
with exact intervals; `delta_split` says how several certified requirements share the failure
budget; `too_small_cells` names cells no model could certify, from the data alone.
"""

from fairspec.certify.budget import (DEFAULT_SAFETY_FRACTION, DeltaShare, certified_requirements,
                                     delta_split, is_certified, joint_confidence, safety_fraction)
from fairspec.certify.cells import SmallCell, too_small_cells
from fairspec.certify.certificate import Certificate, RequirementCertificate
from fairspec.certify.errors import NoSolutionFound, Shortfall
from fairspec.certify.fit import certified_fit
from fairspec.certify.split import safety_split

__all__ = [
    "Certificate", "DEFAULT_SAFETY_FRACTION", "DeltaShare", "NoSolutionFound",
    "RequirementCertificate", "Shortfall", "SmallCell", "certified_fit", "certified_requirements",
    "delta_split", "is_certified", "joint_confidence", "safety_fraction", "safety_split",
    "too_small_cells",
]
