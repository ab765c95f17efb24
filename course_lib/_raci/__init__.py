"""Decision rights as a RACI matrix: the rules (:mod:`.rules`) and practice feedback
(:mod:`.practice`).

Nothing is imported here, so the content loader can use the rules without loading the rest.
"""
