from google.protobuf import wrappers_pb2 as _wrappers_pb2
from google.rpc import status_pb2 as _status_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Consistency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ANY: _ClassVar[Consistency]
    ONE: _ClassVar[Consistency]
    TWO: _ClassVar[Consistency]
    THREE: _ClassVar[Consistency]
    QUORUM: _ClassVar[Consistency]
    ALL: _ClassVar[Consistency]
    LOCAL_QUORUM: _ClassVar[Consistency]
    EACH_QUORUM: _ClassVar[Consistency]
    SERIAL: _ClassVar[Consistency]
    LOCAL_SERIAL: _ClassVar[Consistency]
    LOCAL_ONE: _ClassVar[Consistency]
ANY: Consistency
ONE: Consistency
TWO: Consistency
THREE: Consistency
QUORUM: Consistency
ALL: Consistency
LOCAL_QUORUM: Consistency
EACH_QUORUM: Consistency
SERIAL: Consistency
LOCAL_SERIAL: Consistency
LOCAL_ONE: Consistency

class ConsistencyValue(_message.Message):
    __slots__ = ("value",)
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: Consistency
    def __init__(self, value: _Optional[_Union[Consistency, str]] = ...) -> None: ...

class Collection(_message.Message):
    __slots__ = ("elements",)
    ELEMENTS_FIELD_NUMBER: _ClassVar[int]
    elements: _containers.RepeatedCompositeFieldContainer[Value]
    def __init__(self, elements: _Optional[_Iterable[_Union[Value, _Mapping]]] = ...) -> None: ...

class UdtValue(_message.Message):
    __slots__ = ("fields",)
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Value, _Mapping]] = ...) -> None: ...
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    fields: _containers.MessageMap[str, Value]
    def __init__(self, fields: _Optional[_Mapping[str, Value]] = ...) -> None: ...

class Uuid(_message.Message):
    __slots__ = ("value",)
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: bytes
    def __init__(self, value: _Optional[bytes] = ...) -> None: ...

class Inet(_message.Message):
    __slots__ = ("value",)
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: bytes
    def __init__(self, value: _Optional[bytes] = ...) -> None: ...

class Varint(_message.Message):
    __slots__ = ("value",)
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: bytes
    def __init__(self, value: _Optional[bytes] = ...) -> None: ...

class Decimal(_message.Message):
    __slots__ = ("scale", "value")
    SCALE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    scale: int
    value: bytes
    def __init__(self, scale: _Optional[int] = ..., value: _Optional[bytes] = ...) -> None: ...

class Duration(_message.Message):
    __slots__ = ("months", "days", "nanos")
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    NANOS_FIELD_NUMBER: _ClassVar[int]
    months: int
    days: int
    nanos: int
    def __init__(self, months: _Optional[int] = ..., days: _Optional[int] = ..., nanos: _Optional[int] = ...) -> None: ...

class Value(_message.Message):
    __slots__ = ("null", "unset", "int", "float", "double", "boolean", "string", "bytes", "inet", "uuid", "date", "time", "collection", "udt", "varint", "decimal", "duration")
    class Null(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Unset(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    NULL_FIELD_NUMBER: _ClassVar[int]
    UNSET_FIELD_NUMBER: _ClassVar[int]
    INT_FIELD_NUMBER: _ClassVar[int]
    FLOAT_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_FIELD_NUMBER: _ClassVar[int]
    BOOLEAN_FIELD_NUMBER: _ClassVar[int]
    STRING_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    INET_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    UDT_FIELD_NUMBER: _ClassVar[int]
    VARINT_FIELD_NUMBER: _ClassVar[int]
    DECIMAL_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    null: Value.Null
    unset: Value.Unset
    int: int
    float: float
    double: float
    boolean: bool
    string: str
    bytes: bytes
    inet: Inet
    uuid: Uuid
    date: int
    time: int
    collection: Collection
    udt: UdtValue
    varint: Varint
    decimal: Decimal
    duration: Duration
    def __init__(self, null: _Optional[_Union[Value.Null, _Mapping]] = ..., unset: _Optional[_Union[Value.Unset, _Mapping]] = ..., int: _Optional[int] = ..., float: _Optional[float] = ..., double: _Optional[float] = ..., boolean: _Optional[bool] = ..., string: _Optional[str] = ..., bytes: _Optional[bytes] = ..., inet: _Optional[_Union[Inet, _Mapping]] = ..., uuid: _Optional[_Union[Uuid, _Mapping]] = ..., date: _Optional[int] = ..., time: _Optional[int] = ..., collection: _Optional[_Union[Collection, _Mapping]] = ..., udt: _Optional[_Union[UdtValue, _Mapping]] = ..., varint: _Optional[_Union[Varint, _Mapping]] = ..., decimal: _Optional[_Union[Decimal, _Mapping]] = ..., duration: _Optional[_Union[Duration, _Mapping]] = ...) -> None: ...

class Query(_message.Message):
    __slots__ = ("cql", "values", "parameters")
    CQL_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    cql: str
    values: Values
    parameters: QueryParameters
    def __init__(self, cql: _Optional[str] = ..., values: _Optional[_Union[Values, _Mapping]] = ..., parameters: _Optional[_Union[QueryParameters, _Mapping]] = ...) -> None: ...

class Values(_message.Message):
    __slots__ = ("values", "value_names")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    VALUE_NAMES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[Value]
    value_names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[_Union[Value, _Mapping]]] = ..., value_names: _Optional[_Iterable[str]] = ...) -> None: ...

class QueryParameters(_message.Message):
    __slots__ = ("keyspace", "consistency", "page_size", "paging_state", "tracing", "skip_metadata", "timestamp", "serial_consistency", "now_in_seconds", "tracing_consistency")
    KEYSPACE_FIELD_NUMBER: _ClassVar[int]
    CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGING_STATE_FIELD_NUMBER: _ClassVar[int]
    TRACING_FIELD_NUMBER: _ClassVar[int]
    SKIP_METADATA_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SERIAL_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    NOW_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TRACING_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    keyspace: _wrappers_pb2.StringValue
    consistency: ConsistencyValue
    page_size: _wrappers_pb2.Int32Value
    paging_state: _wrappers_pb2.BytesValue
    tracing: bool
    skip_metadata: bool
    timestamp: _wrappers_pb2.Int64Value
    serial_consistency: ConsistencyValue
    now_in_seconds: _wrappers_pb2.Int32Value
    tracing_consistency: ConsistencyValue
    def __init__(self, keyspace: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., consistency: _Optional[_Union[ConsistencyValue, _Mapping]] = ..., page_size: _Optional[_Union[_wrappers_pb2.Int32Value, _Mapping]] = ..., paging_state: _Optional[_Union[_wrappers_pb2.BytesValue, _Mapping]] = ..., tracing: _Optional[bool] = ..., skip_metadata: _Optional[bool] = ..., timestamp: _Optional[_Union[_wrappers_pb2.Int64Value, _Mapping]] = ..., serial_consistency: _Optional[_Union[ConsistencyValue, _Mapping]] = ..., now_in_seconds: _Optional[_Union[_wrappers_pb2.Int32Value, _Mapping]] = ..., tracing_consistency: _Optional[_Union[ConsistencyValue, _Mapping]] = ...) -> None: ...

class TypeSpec(_message.Message):
    __slots__ = ("basic", "map", "list", "set", "udt", "tuple")
    class Basic(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CUSTOM: _ClassVar[TypeSpec.Basic]
        ASCII: _ClassVar[TypeSpec.Basic]
        BIGINT: _ClassVar[TypeSpec.Basic]
        BLOB: _ClassVar[TypeSpec.Basic]
        BOOLEAN: _ClassVar[TypeSpec.Basic]
        COUNTER: _ClassVar[TypeSpec.Basic]
        DECIMAL: _ClassVar[TypeSpec.Basic]
        DOUBLE: _ClassVar[TypeSpec.Basic]
        FLOAT: _ClassVar[TypeSpec.Basic]
        INT: _ClassVar[TypeSpec.Basic]
        TEXT: _ClassVar[TypeSpec.Basic]
        TIMESTAMP: _ClassVar[TypeSpec.Basic]
        UUID: _ClassVar[TypeSpec.Basic]
        VARCHAR: _ClassVar[TypeSpec.Basic]
        VARINT: _ClassVar[TypeSpec.Basic]
        TIMEUUID: _ClassVar[TypeSpec.Basic]
        INET: _ClassVar[TypeSpec.Basic]
        DATE: _ClassVar[TypeSpec.Basic]
        TIME: _ClassVar[TypeSpec.Basic]
        SMALLINT: _ClassVar[TypeSpec.Basic]
        TINYINT: _ClassVar[TypeSpec.Basic]
        DURATION: _ClassVar[TypeSpec.Basic]
        LINESTRING: _ClassVar[TypeSpec.Basic]
        POINT: _ClassVar[TypeSpec.Basic]
        POLYGON: _ClassVar[TypeSpec.Basic]
    CUSTOM: TypeSpec.Basic
    ASCII: TypeSpec.Basic
    BIGINT: TypeSpec.Basic
    BLOB: TypeSpec.Basic
    BOOLEAN: TypeSpec.Basic
    COUNTER: TypeSpec.Basic
    DECIMAL: TypeSpec.Basic
    DOUBLE: TypeSpec.Basic
    FLOAT: TypeSpec.Basic
    INT: TypeSpec.Basic
    TEXT: TypeSpec.Basic
    TIMESTAMP: TypeSpec.Basic
    UUID: TypeSpec.Basic
    VARCHAR: TypeSpec.Basic
    VARINT: TypeSpec.Basic
    TIMEUUID: TypeSpec.Basic
    INET: TypeSpec.Basic
    DATE: TypeSpec.Basic
    TIME: TypeSpec.Basic
    SMALLINT: TypeSpec.Basic
    TINYINT: TypeSpec.Basic
    DURATION: TypeSpec.Basic
    LINESTRING: TypeSpec.Basic
    POINT: TypeSpec.Basic
    POLYGON: TypeSpec.Basic
    class Map(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: TypeSpec
        value: TypeSpec
        def __init__(self, key: _Optional[_Union[TypeSpec, _Mapping]] = ..., value: _Optional[_Union[TypeSpec, _Mapping]] = ...) -> None: ...
    class List(_message.Message):
        __slots__ = ("element",)
        ELEMENT_FIELD_NUMBER: _ClassVar[int]
        element: TypeSpec
        def __init__(self, element: _Optional[_Union[TypeSpec, _Mapping]] = ...) -> None: ...
    class Set(_message.Message):
        __slots__ = ("element",)
        ELEMENT_FIELD_NUMBER: _ClassVar[int]
        element: TypeSpec
        def __init__(self, element: _Optional[_Union[TypeSpec, _Mapping]] = ...) -> None: ...
    class Udt(_message.Message):
        __slots__ = ("fields", "name", "frozen")
        class FieldsEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: TypeSpec
            def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[TypeSpec, _Mapping]] = ...) -> None: ...
        FIELDS_FIELD_NUMBER: _ClassVar[int]
        NAME_FIELD_NUMBER: _ClassVar[int]
        FROZEN_FIELD_NUMBER: _ClassVar[int]
        fields: _containers.MessageMap[str, TypeSpec]
        name: str
        frozen: bool
        def __init__(self, fields: _Optional[_Mapping[str, TypeSpec]] = ..., name: _Optional[str] = ..., frozen: _Optional[bool] = ...) -> None: ...
    class Tuple(_message.Message):
        __slots__ = ("elements",)
        ELEMENTS_FIELD_NUMBER: _ClassVar[int]
        elements: _containers.RepeatedCompositeFieldContainer[TypeSpec]
        def __init__(self, elements: _Optional[_Iterable[_Union[TypeSpec, _Mapping]]] = ...) -> None: ...
    BASIC_FIELD_NUMBER: _ClassVar[int]
    MAP_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    UDT_FIELD_NUMBER: _ClassVar[int]
    TUPLE_FIELD_NUMBER: _ClassVar[int]
    basic: TypeSpec.Basic
    map: TypeSpec.Map
    list: TypeSpec.List
    set: TypeSpec.Set
    udt: TypeSpec.Udt
    tuple: TypeSpec.Tuple
    def __init__(self, basic: _Optional[_Union[TypeSpec.Basic, str]] = ..., map: _Optional[_Union[TypeSpec.Map, _Mapping]] = ..., list: _Optional[_Union[TypeSpec.List, _Mapping]] = ..., set: _Optional[_Union[TypeSpec.Set, _Mapping]] = ..., udt: _Optional[_Union[TypeSpec.Udt, _Mapping]] = ..., tuple: _Optional[_Union[TypeSpec.Tuple, _Mapping]] = ...) -> None: ...

class ColumnSpec(_message.Message):
    __slots__ = ("type", "name")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    type: TypeSpec
    name: str
    def __init__(self, type: _Optional[_Union[TypeSpec, _Mapping]] = ..., name: _Optional[str] = ...) -> None: ...

class Traces(_message.Message):
    __slots__ = ("id", "duration", "started_at", "events")
    class Event(_message.Message):
        __slots__ = ("activity", "source", "source_elapsed", "thread", "event_id")
        ACTIVITY_FIELD_NUMBER: _ClassVar[int]
        SOURCE_FIELD_NUMBER: _ClassVar[int]
        SOURCE_ELAPSED_FIELD_NUMBER: _ClassVar[int]
        THREAD_FIELD_NUMBER: _ClassVar[int]
        EVENT_ID_FIELD_NUMBER: _ClassVar[int]
        activity: str
        source: str
        source_elapsed: int
        thread: str
        event_id: str
        def __init__(self, activity: _Optional[str] = ..., source: _Optional[str] = ..., source_elapsed: _Optional[int] = ..., thread: _Optional[str] = ..., event_id: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    id: str
    duration: int
    started_at: int
    events: _containers.RepeatedCompositeFieldContainer[Traces.Event]
    def __init__(self, id: _Optional[str] = ..., duration: _Optional[int] = ..., started_at: _Optional[int] = ..., events: _Optional[_Iterable[_Union[Traces.Event, _Mapping]]] = ...) -> None: ...

class Row(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[Value]
    def __init__(self, values: _Optional[_Iterable[_Union[Value, _Mapping]]] = ...) -> None: ...

class ResultSet(_message.Message):
    __slots__ = ("columns", "rows", "paging_state")
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    PAGING_STATE_FIELD_NUMBER: _ClassVar[int]
    columns: _containers.RepeatedCompositeFieldContainer[ColumnSpec]
    rows: _containers.RepeatedCompositeFieldContainer[Row]
    paging_state: _wrappers_pb2.BytesValue
    def __init__(self, columns: _Optional[_Iterable[_Union[ColumnSpec, _Mapping]]] = ..., rows: _Optional[_Iterable[_Union[Row, _Mapping]]] = ..., paging_state: _Optional[_Union[_wrappers_pb2.BytesValue, _Mapping]] = ...) -> None: ...

class SchemaChange(_message.Message):
    __slots__ = ("change_type", "target", "keyspace", "name", "argument_types")
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CREATED: _ClassVar[SchemaChange.Type]
        UPDATED: _ClassVar[SchemaChange.Type]
        DROPPED: _ClassVar[SchemaChange.Type]
    CREATED: SchemaChange.Type
    UPDATED: SchemaChange.Type
    DROPPED: SchemaChange.Type
    class Target(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KEYSPACE: _ClassVar[SchemaChange.Target]
        TABLE: _ClassVar[SchemaChange.Target]
        TYPE: _ClassVar[SchemaChange.Target]
        FUNCTION: _ClassVar[SchemaChange.Target]
        AGGREGATE: _ClassVar[SchemaChange.Target]
    KEYSPACE: SchemaChange.Target
    TABLE: SchemaChange.Target
    TYPE: SchemaChange.Target
    FUNCTION: SchemaChange.Target
    AGGREGATE: SchemaChange.Target
    CHANGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    KEYSPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ARGUMENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    change_type: SchemaChange.Type
    target: SchemaChange.Target
    keyspace: str
    name: _wrappers_pb2.StringValue
    argument_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, change_type: _Optional[_Union[SchemaChange.Type, str]] = ..., target: _Optional[_Union[SchemaChange.Target, str]] = ..., keyspace: _Optional[str] = ..., name: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., argument_types: _Optional[_Iterable[str]] = ...) -> None: ...

class Response(_message.Message):
    __slots__ = ("result_set", "schema_change", "warnings", "traces")
    RESULT_SET_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_CHANGE_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    TRACES_FIELD_NUMBER: _ClassVar[int]
    result_set: ResultSet
    schema_change: SchemaChange
    warnings: _containers.RepeatedScalarFieldContainer[str]
    traces: Traces
    def __init__(self, result_set: _Optional[_Union[ResultSet, _Mapping]] = ..., schema_change: _Optional[_Union[SchemaChange, _Mapping]] = ..., warnings: _Optional[_Iterable[str]] = ..., traces: _Optional[_Union[Traces, _Mapping]] = ...) -> None: ...

class StreamingResponse(_message.Message):
    __slots__ = ("response", "status")
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    response: Response
    status: _status_pb2.Status
    def __init__(self, response: _Optional[_Union[Response, _Mapping]] = ..., status: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class Unavailable(_message.Message):
    __slots__ = ("consistency", "required", "alive")
    CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ALIVE_FIELD_NUMBER: _ClassVar[int]
    consistency: Consistency
    required: int
    alive: int
    def __init__(self, consistency: _Optional[_Union[Consistency, str]] = ..., required: _Optional[int] = ..., alive: _Optional[int] = ...) -> None: ...

class WriteTimeout(_message.Message):
    __slots__ = ("consistency", "received", "block_for", "write_type")
    CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FOR_FIELD_NUMBER: _ClassVar[int]
    WRITE_TYPE_FIELD_NUMBER: _ClassVar[int]
    consistency: Consistency
    received: int
    block_for: int
    write_type: str
    def __init__(self, consistency: _Optional[_Union[Consistency, str]] = ..., received: _Optional[int] = ..., block_for: _Optional[int] = ..., write_type: _Optional[str] = ...) -> None: ...

class ReadTimeout(_message.Message):
    __slots__ = ("consistency", "received", "block_for", "data_present")
    CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FOR_FIELD_NUMBER: _ClassVar[int]
    DATA_PRESENT_FIELD_NUMBER: _ClassVar[int]
    consistency: Consistency
    received: int
    block_for: int
    data_present: bool
    def __init__(self, consistency: _Optional[_Union[Consistency, str]] = ..., received: _Optional[int] = ..., block_for: _Optional[int] = ..., data_present: _Optional[bool] = ...) -> None: ...

class ReadFailure(_message.Message):
    __slots__ = ("consistency", "received", "block_for", "num_failures", "data_present")
    CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FOR_FIELD_NUMBER: _ClassVar[int]
    NUM_FAILURES_FIELD_NUMBER: _ClassVar[int]
    DATA_PRESENT_FIELD_NUMBER: _ClassVar[int]
    consistency: Consistency
    received: int
    block_for: int
    num_failures: int
    data_present: bool
    def __init__(self, consistency: _Optional[_Union[Consistency, str]] = ..., received: _Optional[int] = ..., block_for: _Optional[int] = ..., num_failures: _Optional[int] = ..., data_present: _Optional[bool] = ...) -> None: ...

class FunctionFailure(_message.Message):
    __slots__ = ("keyspace", "function", "arg_types")
    KEYSPACE_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    ARG_TYPES_FIELD_NUMBER: _ClassVar[int]
    keyspace: str
    function: str
    arg_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, keyspace: _Optional[str] = ..., function: _Optional[str] = ..., arg_types: _Optional[_Iterable[str]] = ...) -> None: ...

class WriteFailure(_message.Message):
    __slots__ = ("consistency", "received", "block_for", "num_failures", "write_type")
    CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FOR_FIELD_NUMBER: _ClassVar[int]
    NUM_FAILURES_FIELD_NUMBER: _ClassVar[int]
    WRITE_TYPE_FIELD_NUMBER: _ClassVar[int]
    consistency: Consistency
    received: int
    block_for: int
    num_failures: int
    write_type: str
    def __init__(self, consistency: _Optional[_Union[Consistency, str]] = ..., received: _Optional[int] = ..., block_for: _Optional[int] = ..., num_failures: _Optional[int] = ..., write_type: _Optional[str] = ...) -> None: ...

class AlreadyExists(_message.Message):
    __slots__ = ("keyspace", "table")
    KEYSPACE_FIELD_NUMBER: _ClassVar[int]
    TABLE_FIELD_NUMBER: _ClassVar[int]
    keyspace: str
    table: str
    def __init__(self, keyspace: _Optional[str] = ..., table: _Optional[str] = ...) -> None: ...

class CasWriteUnknown(_message.Message):
    __slots__ = ("consistency", "received", "block_for")
    CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FOR_FIELD_NUMBER: _ClassVar[int]
    consistency: Consistency
    received: int
    block_for: int
    def __init__(self, consistency: _Optional[_Union[Consistency, str]] = ..., received: _Optional[int] = ..., block_for: _Optional[int] = ...) -> None: ...

class BatchQuery(_message.Message):
    __slots__ = ("cql", "values")
    CQL_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    cql: str
    values: Values
    def __init__(self, cql: _Optional[str] = ..., values: _Optional[_Union[Values, _Mapping]] = ...) -> None: ...

class BatchParameters(_message.Message):
    __slots__ = ("keyspace", "consistency", "tracing", "timestamp", "serial_consistency", "now_in_seconds", "tracing_consistency", "skip_metadata")
    KEYSPACE_FIELD_NUMBER: _ClassVar[int]
    CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    TRACING_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SERIAL_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    NOW_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TRACING_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    SKIP_METADATA_FIELD_NUMBER: _ClassVar[int]
    keyspace: _wrappers_pb2.StringValue
    consistency: ConsistencyValue
    tracing: bool
    timestamp: _wrappers_pb2.Int64Value
    serial_consistency: ConsistencyValue
    now_in_seconds: _wrappers_pb2.Int32Value
    tracing_consistency: ConsistencyValue
    skip_metadata: bool
    def __init__(self, keyspace: _Optional[_Union[_wrappers_pb2.StringValue, _Mapping]] = ..., consistency: _Optional[_Union[ConsistencyValue, _Mapping]] = ..., tracing: _Optional[bool] = ..., timestamp: _Optional[_Union[_wrappers_pb2.Int64Value, _Mapping]] = ..., serial_consistency: _Optional[_Union[ConsistencyValue, _Mapping]] = ..., now_in_seconds: _Optional[_Union[_wrappers_pb2.Int32Value, _Mapping]] = ..., tracing_consistency: _Optional[_Union[ConsistencyValue, _Mapping]] = ..., skip_metadata: _Optional[bool] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("type", "queries", "parameters")
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        LOGGED: _ClassVar[Batch.Type]
        UNLOGGED: _ClassVar[Batch.Type]
        COUNTER: _ClassVar[Batch.Type]
    LOGGED: Batch.Type
    UNLOGGED: Batch.Type
    COUNTER: Batch.Type
    TYPE_FIELD_NUMBER: _ClassVar[int]
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    type: Batch.Type
    queries: _containers.RepeatedCompositeFieldContainer[BatchQuery]
    parameters: BatchParameters
    def __init__(self, type: _Optional[_Union[Batch.Type, str]] = ..., queries: _Optional[_Iterable[_Union[BatchQuery, _Mapping]]] = ..., parameters: _Optional[_Union[BatchParameters, _Mapping]] = ...) -> None: ...
