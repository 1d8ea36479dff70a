"""The derivation in index notation (SPEC §3, `style="index"`).

placeholder
"""


def index_style(result):
    """Replace the steps of `result` by the index-notation derivation, or say why not."""
    result.notes.append("the index style is not available yet: the derivation is in the differential style")
