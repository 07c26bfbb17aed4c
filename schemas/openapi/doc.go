// Package openapi loads OpenAPI 3.0/3.1 and Swagger 2.0 documents from
// untrusted files, keeping source positions. Import it as oaschema.
//
// The flow of Load:
//
//  1. Read the main file from an fs.FS, bounded in size (Options.MaxBytes,
//     per file and in total).
//  2. Parse it once: JSON with a scanner of our own after json.Valid and a
//     cheap nesting scan; YAML with scanYAML (fastyaml.go), which reads the
//     subset OpenAPI documents are written in, or else with yaml.v3 (whose
//     errors carry lines) and a nesting walk. The same parse gives the
//     document kind (openapi or swagger key; a file with neither is
//     refused), a generic value, and a position tree (positions.go). A
//     local $ref cycle that never reaches a schema is refused here
//     (validate.go).
//  3. OpenAPI 3: decode the generic value with decodeT, which builds
//     kin-openapi's types for paths, operations, parameters, bodies,
//     responses and schemas itself (kin-openapi's own decoder is ten times
//     slower on large documents), then let a fresh kin-openapi loader resolve
//     the $refs. Shapes decodeT does not know make kin-openapi decode the
//     whole document instead. Swagger 2.0: decode and convert with
//     openapi2conv; its refs resolve through the same kind of loader.
//  4. Copy positions from the tree onto the loaded objects (walker), since
//     kin-openapi records origins only on its slow YAML path; webhooks,
//     callbacks and the subschemas of JSON Schema 2020-12 included. Files
//     reached by $ref are decoded by kin-openapi with origins on. Then
//     refuse a path template variable without its path parameter, or the
//     reverse. Swagger 2.0 operations inherit the global produces and
//     consumes before conversion.
//  5. Every $ref to another file goes through one reader (readURI) that
//     refuses remote URLs and paths leaving the folder, and applies the
//     bounds and syntax checks of steps 1 and 2.
//  6. A panic inside kin-openapi becomes an input error; every error for bad
//     input is a *compat.InputError naming the file as the user spelled it.
package openapi
