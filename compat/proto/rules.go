package proto

import (
	"github.com/contractgate/contracts/compat"
)

// rule is a compat.Rule with its comparison: one function per kind of pair
// it looks at. The adapters in check.go do the pairing and call each
// function that is set.
type rule struct {
	compat.Rule
	file    func(c *checker, p filePair, e *emit)
	message func(c *checker, p messagePair, e *emit)
	field   func(c *checker, p fieldPair, e *emit)
	enum    func(c *checker, p enumPair, e *emit)
	value   func(c *checker, p valuePair, e *emit)
	service func(c *checker, p servicePair, e *emit)
	method  func(c *checker, p methodPair, e *emit)
	// options marks the field rules that also apply to custom options.
	options bool
}

func def(id string, sev compat.Severity, level compat.Level, doc string) compat.Rule {
	return compat.Rule{ID: id, Severity: sev, Level: level, Doc: doc}
}

const (
	breaking = compat.Breaking
	warning  = compat.Warning
	info     = compat.Info
	wire     = compat.Wire
	json     = compat.JSON
	source   = compat.Source
)

// ruleList is every protobuf rule, in the order they run. Ids never change.
var ruleList = []rule{
	// Files and packages.
	{Rule: def("FILE_ADDED", info, wire, "A new file is additive; nothing generated from OLD refers to it."), file: fileAdded},
	{Rule: def("FILE_DELETED", breaking, source, "A deleted or renamed file changes no encoding, but code generated from it and imports of it break."), file: fileDeleted},
	{Rule: def("FILE_PACKAGE_CHANGED", breaking, source, "A file's package changed: the full names of its types change, which breaks generated code (one finding for the file, not one per type; encodings are checked per type and RPC)."), file: filePackageChanged},
	{Rule: def("FILE_SYNTAX_CHANGED", breaking, source, "A file moved between proto2, proto3 and editions, which changes the generated API (presence, enums, defaults)."), file: fileSyntaxChanged},
	{Rule: def("LANGUAGE_FEATURE_CHANGED", breaking, source, "A language feature of editions ((pb.cpp), (pb.java), (pb.go): legacy_closed_enum, api_level, strip_enum_prefix, …) set on a file, message, field or enum changed, which changes the code generated for that language or how its runtime treats the values."),
		file: fileLanguageFeatureChanged, message: messageLanguageFeatureChanged, field: fieldLanguageFeatureChanged, enum: enumLanguageFeatureChanged},
	{Rule: def("FILE_OPTION_CHANGED", breaking, source, "A code-generation file option (go_package, java_package, csharp_namespace, …) changed, so code importing the generated package breaks."), file: fileOptionChanged},

	// Messages and where they are declared.
	{Rule: def("MESSAGE_ADDED", info, wire, "A new message type is additive."), message: messageAdded},
	{Rule: def("MESSAGE_DELETED", breaking, source, "A message type no field or RPC pairs with anything was deleted: no encoding of what remains changes, but generated code that names it breaks."), message: messageDeleted},
	{Rule: def("MESSAGE_RENAMED", breaking, source, "A message type was renamed or moved to another package with its fields: encodings are unchanged, generated code that names it breaks."), message: messageRenamed},
	{Rule: def("TYPE_MOVED_TO_OTHER_FILE", breaking, source, "A top-level message, enum or service moved to another file, which changes where generated code declares it."), message: messageMoved, enum: enumMoved, service: serviceMoved},
	{Rule: def("ONEOF_RENAMED", breaking, source, "A oneof was renamed with its members: encodings are unchanged, generated code that names the oneof breaks."), message: oneofRenamed},
	{Rule: def("RESERVED_NUMBER_REMOVED", breaking, wire, "A reserved field or enum number is no longer reserved, so it may be reused with another meaning that OLD peers misread (the guard FIELD_DELETED asks for is gone)."), message: messageReservedNumbers, enum: enumReservedNumbers},
	{Rule: def("RESERVED_NAME_REMOVED", breaking, json, "A reserved field or enum value name is no longer reserved, so it may come back with another meaning that OLD JSON peers misread."), message: messageReservedNames, enum: enumReservedNames},
	{Rule: def("EXTENSION_RANGE_REMOVED", breaking, source, "A message no longer accepts extensions in a range it declared, so .proto files extending it there stop compiling."), message: extensionRangeRemoved},
	{Rule: def("MESSAGE_SET_WIRE_FORMAT_CHANGED", breaking, wire, "A message started or stopped using the MessageSet wire format (message_set_wire_format), which encodes its extensions differently, so binary peers built from OLD and NEW misread each other."), message: messageSetWireFormatChanged},
	{Rule: def("MESSAGE_STANDARD_DESCRIPTOR_ACCESSOR_REMOVED", breaking, source, "A message set no_standard_descriptor_accessor, so the code generated from NEW lacks the descriptor accessor that code built against OLD calls."), message: standardDescriptorAccessorRemoved},

	// Fields.
	{Rule: def("FIELD_ADDED", info, wire, "A field with a fresh number is additive: OLD readers skip it, NEW readers see its default."), field: fieldAdded},
	{Rule: def("FIELD_REQUIRED_ADDED", breaking, wire, "A new or existing field became required: readers built from NEW reject messages from OLD writers, which do not set it."), field: fieldRequiredAdded},
	{Rule: def("FIELD_REQUIRED_REMOVED", breaking, wire, "A required field was deleted or made optional: readers built from OLD reject messages from NEW writers that leave it out."), field: fieldRequiredRemoved},
	{Rule: def("FIELD_DELETED", breaking, wire, "A field was deleted without reserving its number: OLD peers still send and expect it, and the number may be reused with another type."), field: fieldDeleted},
	{Rule: def("FIELD_DELETED_NAME_NOT_RESERVED", breaking, json, "A field was deleted with its number reserved but not its name, so the JSON key may come back with another meaning that OLD JSON writers fill."), field: fieldDeletedNameNotReserved},
	{Rule: def("FIELD_DELETED_RESERVED", breaking, source, "A field was deleted with its number and name reserved: encodings are safe, generated accessors disappear."), field: fieldDeletedReserved},
	{Rule: def("FIELD_NUMBER_CHANGED", breaking, wire, "A field kept its name under another number, so binary peers no longer agree on its tag."), field: fieldNumberChanged},
	{Rule: def("FIELD_NAME_CHANGED", breaking, json, "A field or extension was renamed under the same number: binary peers are unaffected, but JSON peers use another key (the JSON name it changes with it, or the name parsers also accept), and generated accessors change."), field: fieldNameChanged},
	{Rule: def("FIELD_JSON_NAME_CHANGED", breaking, json, "A field kept its name but its json_name changed, so JSON peers built from OLD and NEW use different keys (a rename that changes the JSON name is FIELD_NAME_CHANGED)."), field: fieldJSONNameChanged},
	{Rule: def("FIELD_TYPE_CHANGED", breaking, wire, "A field's type changed to one with another binary encoding (wire type, zigzag, fixed width, message vs scalar, delimited), so binary peers misread it."), field: fieldTypeChanged},
	{Rule: def("FIELD_JSON_TYPE_CHANGED", breaking, json, "A field's type changed within its binary family but its JSON form differs (64-bit integers as strings, bytes as base64, enums by name)."), field: fieldJSONTypeChanged},
	{Rule: def("FIELD_TYPE_NAME_CHANGED", breaking, source, "A field's type changed in a way no encoding sees (a message or enum of another name with the same structure, a widened map key), which changes generated code only."), field: fieldTypeNameChanged},
	{Rule: def("FIELD_CARDINALITY_CHANGED", breaking, wire, "A numeric, bool or enum field changed between singular and repeated (packed on the wire), so readers built from OLD and NEW drop or misread values."), field: fieldCardinalityChanged},
	{Rule: def("FIELD_DELIMITED_CARDINALITY_CHANGED", breaking, json, "A string, bytes or message field changed between singular and repeated: binary readers take either form, JSON readers get an array instead of a value or the reverse."), field: fieldDelimitedCardinalityChanged},
	{Rule: def("FIELD_ONEOF_CHANGED", breaking, wire, "Fields moved into, out of or between oneofs, so a reader keeps only one of values that a writer of the other version may set together."), message: fieldOneofChanged},
	{Rule: def("FIELD_PRESENCE_CHANGED", breaking, source, "A field gained or lost explicit presence (proto3 optional, field_presence), which changes generated accessors but not the encoding."), field: fieldPresenceChanged},
	{Rule: def("FIELD_UTF8_VALIDATION_CHANGED", warning, wire, "A field changed between bytes and string or changed how its readers check UTF-8 (utf8_validation, proto2 vs proto3, java_string_check_utf8), so a reader that checks rejects the whole message when a writer of the other version sends invalid UTF-8; the bytes are shared, and whether any writer sends such data the schema cannot tell."), field: fieldUTF8ValidationChanged},
	{Rule: def("FIELD_JSTYPE_CHANGED", breaking, source, "A 64-bit integer field's jstype changed, so JavaScript code generated from NEW holds it as another type (a number loses precision past 2^53); the JSON mapping writes such integers as strings whatever jstype says."), field: fieldJSTypeChanged},
	{Rule: def("FIELD_CTYPE_CHANGED", breaking, source, "A string or bytes field's C++ type changed (ctype, or (pb.cpp).string_type in editions), so C++ code generated from NEW has other accessors; the encoding is unchanged."), field: fieldCTypeChanged},
	{Rule: def("FIELD_BEHAVIOR_REQUIRED_ADDED", breaking, json, "A request field became REQUIRED by google.api.field_behavior (or was added so), so servers built from NEW refuse requests of clients built from OLD that leave it out."), field: fieldBehaviorRequiredAdded},
	{Rule: def("FIELD_BEHAVIOR_RESTRICTED", breaking, json, "A request field became OUTPUT_ONLY or IMMUTABLE by google.api.field_behavior, so servers built from NEW ignore or refuse values that clients built from OLD set."), field: fieldBehaviorRestricted},
	{Rule: def("FIELD_DEFAULT_CHANGED", breaking, wire, "A field's default value changed, so OLD and NEW readers infer different values when a writer leaves it out."), field: fieldDefaultChanged},
	{Rule: def("EXTENSION_ADDED", info, wire, "A new extension is additive."), field: extensionAdded, options: true},
	{Rule: def("EXTENSION_DELETED", breaking, source, "An extension was deleted: readers skip it as unknown, generated code that names it breaks."), field: extensionDeleted, options: true},
	{Rule: def("CUSTOM_OPTION_CHANGED", breaking, source, "A custom option (an extension of a descriptor.proto options message) changed number, name, type or cardinality: messages are unaffected, .proto files and code that set or read it break."), field: customOptionChanged, options: true},

	// Enums and their values.
	{Rule: def("ENUM_ADDED", info, wire, "A new enum type is additive."), enum: enumAdded},
	{Rule: def("ENUM_DELETED", breaking, source, "An enum type no field pairs with anything was deleted: no encoding changes, generated code that names it breaks."), enum: enumDeleted},
	{Rule: def("ENUM_RENAMED", breaking, source, "An enum type was renamed or moved with its values: encodings are unchanged, generated code that names it breaks."), enum: enumRenamed},
	{Rule: def("ENUM_CLOSED", breaking, wire, "An open enum became closed, so readers built from NEW set aside values they do not know that OLD readers kept."), enum: enumClosed},
	{Rule: def("ENUM_VALUE_ADDED", info, wire, "A new enum value with a fresh number is additive."), value: valueAdded},
	{Rule: def("ENUM_VALUE_DELETED", breaking, wire, "An enum value was deleted without reserving its number: OLD writers still send it and the number may get another meaning."), value: valueDeleted},
	{Rule: def("ENUM_VALUE_DELETED_NAME_NOT_RESERVED", breaking, json, "An enum value was deleted with its number reserved but not its name, so the JSON name may come back with another meaning."), value: valueDeletedNameNotReserved},
	{Rule: def("ENUM_VALUE_DELETED_RESERVED", breaking, source, "An enum value was deleted with its number and name reserved: encodings are safe, the generated constant disappears."), value: valueDeletedReserved},
	{Rule: def("ENUM_VALUE_NUMBER_CHANGED", breaking, wire, "An enum value kept its name under another number, so binary peers no longer agree on its meaning."), value: valueNumberChanged},
	{Rule: def("ENUM_VALUE_NAME_CHANGED", breaking, json, "An enum value was renamed under the same number: JSON carries the name, so JSON peers built from OLD and NEW cannot read each other."), value: valueNameChanged},

	// Services and RPCs: the method path /pkg.Service/Method is on the wire.
	{Rule: def("SERVICE_ADDED", info, wire, "A new service is additive."), service: serviceAdded},
	{Rule: def("SERVICE_DELETED", breaking, wire, "A service was deleted, so every call of a client built from OLD gets UNIMPLEMENTED."), service: serviceDeleted},
	{Rule: def("SERVICE_RENAMED", breaking, wire, "A service was renamed, which changes the path of every method it serves."), service: serviceRenamed},
	{Rule: def("SERVICE_PACKAGE_CHANGED", breaking, wire, "A service moved to another package, which changes the path of every method it serves."), service: servicePackageChanged},
	{Rule: def("RPC_ADDED", info, wire, "A new RPC is additive: OLD clients never call it."), method: rpcAdded},
	{Rule: def("RPC_DELETED", breaking, wire, "An RPC was deleted, so calls of clients built from OLD get UNIMPLEMENTED."), method: rpcDeleted},
	{Rule: def("RPC_CLIENT_STREAMING_CHANGED", breaking, wire, "An RPC started or stopped taking a stream of requests, so clients and servers expect different numbers of messages."), method: rpcClientStreamingChanged},
	{Rule: def("RPC_SERVER_STREAMING_CHANGED", breaking, wire, "An RPC started or stopped returning a stream of responses, so clients and servers expect different numbers of messages."), method: rpcServerStreamingChanged},
	{Rule: def("RPC_REQUEST_TYPE_CHANGED", breaking, source, "An RPC takes a request type of another name, which changes generated code (the two types' encodings are compared field by field)."), method: rpcRequestTypeChanged},
	{Rule: def("RPC_RESPONSE_TYPE_CHANGED", breaking, source, "An RPC returns a response type of another name, which changes generated code (the two types' encodings are compared field by field)."), method: rpcResponseTypeChanged},
	{Rule: def("RPC_REQUEST_INCOMPATIBLE", breaking, wire, "An RPC takes a request type of another name that encodes differently at the checked level, so servers built from NEW misread requests from OLD clients."), method: rpcRequestIncompatible},
	{Rule: def("RPC_IDEMPOTENCY_LEVEL_WEAKENED", breaking, wire, "An RPC's idempotency_level promises less (NO_SIDE_EFFECTS to IDEMPOTENT or unknown, IDEMPOTENT to unknown), so clients built from OLD that send it as an HTTP GET or retry it fail or repeat its side effects."), method: rpcIdempotencyLevelWeakened},
	{Rule: def("RPC_HTTP_BINDING_ADDED", info, json, "An RPC gained an HTTP binding (google.api.http): REST clients of the transcoded API have one more way to call it."), method: rpcHTTPBindingAdded},
	{Rule: def("RPC_HTTP_BINDING_CHANGED", breaking, json, "An HTTP binding of an RPC (google.api.http) changed verb, path template, body or response body, so REST clients of the transcoded API built from OLD call it wrongly or misread the answer."), method: rpcHTTPBindingChanged},
	{Rule: def("RPC_HTTP_BINDING_DELETED", breaking, json, "An HTTP binding of an RPC (google.api.http) was removed, so REST clients of the transcoded API built from OLD get 404 or 405."), method: rpcHTTPBindingDeleted},
	{Rule: def("RPC_RESPONSE_INCOMPATIBLE", breaking, wire, "An RPC returns a response type of another name that encodes differently at the checked level, so clients built from OLD misread responses."), method: rpcResponseIncompatible},
}

// Rules is every protobuf rule, in one explicit list.
var Rules = rulesOf(ruleList)

func rulesOf(list []rule) []compat.Rule {
	out := make([]compat.Rule, len(list))
	for i, r := range list {
		out[i] = r.Rule
	}
	return out
}
