"""The primitive table (see :mod:`adcheck.prims.table`)."""

from adcheck.prims.table import Primitive, all_primitives, bind, get, register

__all__ = ["Primitive", "all_primitives", "bind", "get", "register"]
