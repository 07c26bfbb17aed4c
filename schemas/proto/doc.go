// Package proto compiles a folder of untrusted .proto files into linked
// descriptors that keep their source positions. Other packages import it as
// protoschema.
//
// The flow of Compile:
//
//  1. Walk the fs.FS (the import root) for every *.proto file, refusing more
//     than Options.MaxBytes in total, and keep each file's bytes in
//     Set.Sources: they are exactly what the registry stores.
//  2. Compile them with protocompile through a resolver that serves only
//     those bytes, then the standard imports (google/protobuf/*.proto), then
//     the common Google API protos embedded in googleapis/ (google/api,
//     google/rpc, google/type, google/longrunning), which most gRPC APIs
//     import. An import that is not a clean relative path inside the root
//     ("../secret.proto", "/etc/x.proto") is refused before any lookup, so
//     nothing outside the folder is ever read. Files are compiled in runs of
//     a few hundred, dependencies first (importOrder), each run getting the
//     files already compiled as linked descriptors, and without source info:
//     a large tree (googleapis, ~8,000 files) then holds a fraction of the
//     memory that syntax trees and source info of every file would take.
//  3. Turn every compile error into a *compat.InputError that names the file
//     (prefixed by Options.Display) with line and column; recover a panic of
//     the compiler into an error rather than crash the caller.
//  4. Index the result (files sorted by path, messages, methods) so checkers
//     and the gate can look types and RPCs up by name.
//  5. Set.Location gives a declaration's file:line:column on demand: the
//     first time a file needs one, it is parsed again and the positions of
//     its declarations kept with the set (positions.go).
package proto
