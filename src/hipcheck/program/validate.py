"""A small validator for the JSON-Schema subset used by the package data.

Supported keywords: ``type``, ``properties``, ``required``, ``additionalProperties``
(bool or schema), ``items``, ``enum``, ``minimum``, ``maximum``, ``minItems``,
``minLength``, ``pattern``, ``anyOf`` and local ``$ref`` (``#/$defs/...``). It avoids a
``jsonschema`` dependency; the tests cross-check it with ``jsonschema`` when installed.
"""

from __future__ import annotations

import re
from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def _type_ok(value: Any, name: str) -> bool:
    # bool is an int subclass in Python but not a JSON integer/number.
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref is supported, got {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def validate(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Validate ``instance`` against ``schema``.

    Returns
    -------
    list of str
        One message per violation, each prefixed with the path (``exercise[3].dosage``);
        empty when the instance is valid.
    """
    errors: list[str] = []
    _check(instance, schema, schema, "$", errors)
    return errors


def _check(
    value: Any, schema: dict[str, Any], root: dict[str, Any], path: str, errors: list[str]
) -> None:
    if "$ref" in schema:
        _check(value, _resolve(schema["$ref"], root), root, path, errors)
    if "anyOf" in schema and all(validate_sub(value, s, root) for s in schema["anyOf"]):
        errors.append(f"{path}: matches none of the allowed forms")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if "type" in schema and not _type_ok(value, schema["type"]):
        errors.append(f"{path}: expected {schema['type']}, got {type(value).__name__}")
        return
    if isinstance(value, dict):
        _check_object(value, schema, root, path, errors)
    elif isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: needs at least {schema['minItems']} items")
        if "items" in schema:
            for i, v in enumerate(value):
                _check(v, schema["items"], root, f"{path}[{i}]", errors)
    elif isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {schema['pattern']!r}")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} < minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} > maximum {schema['maximum']}")


def validate_sub(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> list[str]:
    """Validate against a sub-schema of ``root`` (``$ref`` resolved in ``root``)."""
    errors: list[str] = []
    _check(value, schema, root, "$", errors)
    return errors


def _check_object(
    value: dict[str, Any],
    schema: dict[str, Any],
    root: dict[str, Any],
    path: str,
    errors: list[str],
) -> None:
    for key in schema.get("required", []):
        if key not in value:
            errors.append(f"{path}: missing required key {key!r}")
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, v in value.items():
        sub = f"{path}.{key}"
        if key in props:
            _check(v, props[key], root, sub, errors)
        elif extra is False:
            errors.append(f"{path}: unexpected key {key!r}")
        elif isinstance(extra, dict):
            _check(v, extra, root, sub, errors)
