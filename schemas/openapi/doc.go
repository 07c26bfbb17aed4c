// Package openapi loads OpenAPI 3.0/3.1 and Swagger 2.0 documents from
// untrusted files, keeping source positions. Import it as oaschema.
//
// The flow of Load:
//
//  1. Read the main file from an fs.FS, bounded in size (Options.MaxBytes,
//     per file and in total).
//  2. Parse it once: JSON with encoding/json after a cheap nesting scan,
//     YAML with yaml.v3 (whose errors carry lines) and a nesting walk. The
//     same parse gives the document kind (openapi or swagger key; a file
//     with neither is refused), a generic value, and a position tree
//     (positions.go).
//  3. OpenAPI 3: decode the generic value with decodeT, which builds
//     kin-openapi's types for paths, operations, parameters, bodies,
//     responses and schemas itself (kin-openapi's own decoder is ten times
//     slower on large documents), then let a fresh kin-openapi loader resolve
//     the $refs. Shapes decodeT does not know make kin-openapi decode the
//     whole document instead. Swagger 2.0: decode and convert with
//     openapi2conv; its refs resolve through the same kind of loader.
//  4. Copy positions from the tree onto the loaded objects (walker), since
//     kin-openapi records origins only on its slow YAML path. Files reached
//     by $ref are decoded by kin-openapi with origins on.
//  5. Every $ref to another file goes through one reader (readURI) that
//     refuses remote URLs and paths leaving the folder, and applies the
//     bounds and syntax checks of steps 1 and 2.
//  6. A panic inside kin-openapi becomes an input error; every error for bad
//     input is a *compat.InputError naming the file as the user spelled it.
package openapi
