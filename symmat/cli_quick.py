"""Reading an ordinary command line without argparse (issue 14: a cold start within a few `python -c pass`).

argparse costs a cold ``symmat render`` ~4 ms of CPU (its import, with
gettext, locale and warnings; building the command's parser; five regular
expressions compiled), about a third of what symmat adds to the interpreter
in a plain install. Most lines are simple: a command, its expression, and
options written out in full. `quick_parse` reads exactly those, from the
same option declarations as argparse (the functions of `cli.SUBCOMMANDS`,
called on a recorder), into the namespace argparse would make; every other
line (help, an abbreviated, unknown or repeated option, a value that needs
converting or is not among its choices, a value that starts with ``-``, a
missing required option, ``--``) is left to argparse, so that its reading,
its messages and its exit status stay the ones the user sees.
"""

from types import SimpleNamespace   # loaded by the interpreter's enum in any case


class _Option:
    """One ``add_argument`` call: its flags and what argparse would do with it."""

    def __init__(self, flags, kwargs):
        self.flags = flags
        self.positional = not flags[0].startswith("-")
        action = kwargs.get("action")
        self.flag = action == "store_true"
        self.supported = (action in (None, "store_true") and kwargs.get("nargs") is None
                          and kwargs.get("const") is None
                          and not (isinstance(kwargs.get("default"), str) and kwargs.get("type") is not None))
        if self.positional:
            self.dest = flags[0]
        else:
            self.dest = kwargs.get("dest") or next(
                (f for f in flags if f.startswith("--")), flags[0]).lstrip("-").replace("-", "_")
        self.default = kwargs.get("default", False if self.flag else None)
        self.type, self.choices = kwargs.get("type"), kwargs.get("choices")
        self.required = kwargs.get("required", False)


class _Recorder:
    """What a command's option functions add, recorded (argparse's parser and group methods)."""

    def __init__(self):
        self.all, self.options, self.groups = [], {}, []

    def add_argument(self, *flags, **kwargs):
        option = _Option(flags, kwargs)
        self.all.append(option)
        if not option.positional:
            for f in flags:
                self.options[f] = option
        return option

    def add_argument_group(self, *args, **kwargs):
        return self

    def add_mutually_exclusive_group(self, required=False):
        group = _Exclusive(self, required)
        self.groups.append(group)
        return group


class _Exclusive:
    """A mutually exclusive group: its options, and whether one of them is required."""

    def __init__(self, recorder, required):
        self.recorder, self.required, self.members = recorder, required, []

    def add_argument(self, *flags, **kwargs):
        option = self.recorder.add_argument(*flags, **kwargs)
        self.members.append(option)
        return option


def quick_parse(argv, subcommands, skip=("serve",)):
    """The namespace argparse makes of `argv` (a list), or None where argparse must read the line itself.

    `subcommands` is the CLI's table of (command, help, function adding its
    options); commands in `skip` are always left to argparse.
    """
    adders = {name: add for name, _, add in subcommands if name not in skip}
    if not argv or argv[0] not in adders:
        return None
    spec = _Recorder()
    adders[argv[0]](spec)
    if not all(o.supported for o in spec.all):
        return None
    given, positional = {}, []
    tokens = iter(argv[1:])
    for token in tokens:
        if token[:1] != "-" or token == "-":
            positional.append(token)
            continue
        flag, eq, value = token.partition("=")
        option = spec.options.get(flag)
        if option is None or option in given:   # -h, --, an abbreviation, unknown or repeated
            return None
        if option.flag:
            if eq:
                return None
            given[option] = True
            continue
        if not eq:
            value = next(tokens, None)
            if value is None or value[:1] == "-":
                return None
        if option.type is not None or (option.choices is not None and value not in option.choices):
            return None
        given[option] = value
    return _namespace(argv[0], spec, given, positional)


def _namespace(command, spec, given, positional):
    """The namespace of a line whose tokens were all read, or None if argparse would refuse it."""
    places = [o for o in spec.all if o.positional]
    if len(positional) != len(places):
        return None
    if any(o.required and o not in given for o in spec.all if not o.positional):
        return None
    for group in spec.groups:
        n = sum(o in given for o in group.members)
        if n > 1 or (group.required and n == 0):
            return None
    values = {"command": command}
    for o in spec.all:
        values[o.dest] = given.get(o, o.default)
    for o, token in zip(places, positional):
        values[o.dest] = token
    return SimpleNamespace(**values)
