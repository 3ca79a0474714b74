"""Python values <-> `stargate.Value`.

Encoding follows the Python type (`encode_values`, `encode_value`); decoding
follows the result's column types, with converters built once per result
schema (`build_decoder`). `to_proto` / `from_proto` bridge the same codec
to the typed protocol layer (`astra_grpc_async.proto`). The type mapping is documented in
`astra_grpc_async.types`, `codec.encode` and `codec.decode`.
"""

from .decode import Converter, build_converter, decode_value, type_name
from .encode import encode_value, encode_values
from .protoconv import from_proto, to_proto, to_proto_values
from .rows import RowsDecoder, build_decoder

__all__ = [
    "Converter",
    "RowsDecoder",
    "build_converter",
    "build_decoder",
    "decode_value",
    "encode_value",
    "encode_values",
    "from_proto",
    "to_proto",
    "to_proto_values",
    "type_name",
]
