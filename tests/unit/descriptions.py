"""Bad cluster descriptions for the table-driven model tests: a good one with one item changed."""

import copy

DELETE = object()


def changed(description, path, value):
    """A deep copy of description with the item at path (a tuple of keys/indexes) set to
    value, or deleted when value is DELETE."""
    description = copy.deepcopy(description)
    target = description
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return description
