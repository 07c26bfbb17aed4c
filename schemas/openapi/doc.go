// Package openapi loads OpenAPI 3.0/3.1 and Swagger 2.0 documents from
// untrusted files, keeping source positions. Import it as oaschema.
//
// The flow of Load:
//
//  1. Read the main file from an fs.FS, bounded in size (Options.MaxBytes,
//     per file and in total).
//  2. Check its syntax with a YAML or JSON parser that reports lines, bound
//     its nesting (Options.MaxDepth), and find its kind from the openapi or
//     swagger key; a file with neither is refused.
//  3. Hand it to a fresh kin-openapi loader with origins on. JSON is sent
//     through kin-openapi's YAML decoder (the only one that records origins)
//     by appending a YAML comment that JSON rejects. Swagger 2.0 is decoded
//     and converted with openapi2conv, then its refs are resolved by the same
//     loader; its positions come from the main file's path keys.
//  4. Every $ref to another file goes through one reader that refuses
//     remote URLs and paths leaving the folder, and applies steps 1 and 2.
//  5. Any panic inside kin-openapi becomes an input error; every error for bad
//     input is a *compat.InputError naming the file as the user spelled it.
package openapi
