"""Per-selection object shapers: the field loop of response shaping, unrolled into a function.

Each tuple of ``FieldShape`` (the fields of one runtime type in a ``SelectionShape``) becomes a
Python function, generated once and kept on its ``SelectionShape``, that reads each field from
the merged data with the response key as a constant, checks what the field's type needs (null,
enum value, nested value) and returns the object as one dict literal in the client's order. It
does what ``ResponseShaper`` would do walking the fields one by one, errors included (it calls
back into the shaper for them and for nested values), only without the per-field dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from router.executor.shape import FieldKind, FieldShape, SelectionShape

# (shaper, data, linked path, runtime type name or None) -> the object, or the null marker
ObjectShaper = Callable[[Any, dict[str, Any], Any, str | None], Any]


def object_shaper(shape: SelectionShape, runtime: str | None, bubble: object) -> ObjectShaper:
    """The shaper of ``shape``'s fields for objects of type ``runtime`` (None: unknown, the
    fallback fields), generated on first use."""
    compiled = shape.compiled.get(runtime)
    if compiled is None:
        fields = shape.fallback if runtime is None else shape.by_type.get(runtime, shape.fallback)
        compiled = generate(fields, bubble)
        shape.compiled[runtime] = compiled
    return compiled


def generate(fields: tuple[FieldShape, ...], bubble: object) -> ObjectShaper:
    """The function shaping one object with ``fields``; ``bubble`` is the marker it returns
    for a null that propagates to the parent."""
    constants: dict[str, Any] = {"BUBBLE": bubble}
    lines = ["def shape_object(shaper, data, path, runtime):"]
    values: list[str] = []
    for index, field in enumerate(fields):
        key = repr(field.key)
        coordinate = f"C{index}"
        constants[coordinate] = field.coordinate
        value = f"v{index}"
        values.append(f"{key}: {value}")
        non_null = field.type.non_null
        if field.kind is FieldKind.DATA:
            lines.append(f"    {value} = data.get({key})")
            if field.leaf:
                allowed = field.type.enum_values
                if allowed is not None:
                    constants[f"A{index}"] = allowed
                    message = f"Invalid value found for field {field.coordinate}."
                    constants[f"M{index}"] = message
                    lines.append(f"    if {value} is not None and {value} not in A{index}:")
                    lines.append(f"        shaper._error((path, {key}), M{index})")
                    lines.append("        return BUBBLE" if non_null else f"        {value} = None")
                    if non_null:
                        lines.append(f"    elif {value} is None:")
                        lines.append(f"        shaper._null_error((path, {key}), {coordinate})")
                        lines.append("        return BUBBLE")
                elif non_null:
                    lines.append(f"    if {value} is None:")
                    lines.append(f"        shaper._null_error((path, {key}), {coordinate})")
                    lines.append("        return BUBBLE")
                continue
            constants[f"T{index}"] = field.type
            if non_null:
                lines.append(f"    if {value} is None:")
                lines.append(f"        shaper._null_error((path, {key}), {coordinate})")
                lines.append("        return BUBBLE")
                lines.append(
                    f"    {value} = shaper._value({value}, T{index}, (path, {key}), {coordinate})"
                )
                lines.append(f"    if {value} is BUBBLE:")
                lines.append("        return BUBBLE")
            else:
                lines.append(f"    if {value} is not None:")
                lines.append(
                    f"        {value} = shaper._value({value}, T{index}, (path, {key}), "
                    f"{coordinate})"
                )
                lines.append(f"        if {value} is BUBBLE:")
                lines.append(f"            {value} = None")
        elif field.kind is FieldKind.TYPENAME:
            lines.append("    if runtime is None:")
            lines.append(f"        shaper._null_error((path, {key}), {coordinate})")
            lines.append("        return BUBBLE")
            lines.append(f"    {value} = runtime")
        elif field.kind is FieldKind.UNAUTHORIZED:
            if non_null:
                # the authorization error at this field explains the null
                lines.append("    return BUBBLE")
                break
            lines.append(f"    {value} = None")
        else:
            lines.append(f"    {value} = shaper._introspection.get({key})")
    else:
        lines.append("    return {" + ", ".join(values) + "}")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), "<object shaper>", "exec"), constants, namespace)
    shaper: ObjectShaper = namespace["shape_object"]
    return shaper
