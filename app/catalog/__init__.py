"""The catalog domain: entries, their form fields and targets, validation, rendering.

It knows nothing of GraphQL or of the engine: `load_catalog` reads it from storage,
`validate_create` / `validate_update` turn a form into typed values, `render` turns
typed values into a target's terraform.tfvars.json.
"""

from app.catalog.loader import load_catalog
from app.catalog.model import BUILTINS, Catalog, Category, Entry, Field, FieldType, Icon, Output, TargetSpec
from app.catalog.render import render
from app.catalog.validate import (
    MASK,
    InvalidValues,
    mask,
    validate_create,
    validate_update,
)

__all__ = [
    "BUILTINS",
    "MASK",
    "Catalog",
    "Category",
    "Entry",
    "Field",
    "FieldType",
    "Icon",
    "InvalidValues",
    "Output",
    "TargetSpec",
    "load_catalog",
    "mask",
    "render",
    "validate_create",
    "validate_update",
]
