"""Rule tables keyed by node type: how the differential, the trace trick and the
Jacobian each register one short rule per operator, with the name its steps show."""


def named_rules():
    """(RULES, rule): an empty table and the decorator that fills it.

    ``@rule(E.Mul, name="product rule")`` registers a function for node
    classes; ``RULES[cls]`` is then ``(function, name)``.
    """
    table = {}

    def rule(*classes, name):
        def register(fn):
            for cls in classes:
                table[cls] = (fn, name)
            return fn
        return register

    return table, rule
